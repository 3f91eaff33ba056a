#!/usr/bin/env python3
"""programs/gen/make_sql.py — writes the SQL script of programs/sqlite.json.

Usage: make_sql.py N OUT.sql. A schema of three tables (customers, orders, items),
N*100 orders inserted in transactions with text columns of varied length, two indexes,
then joins, GROUP BY, ORDER BY over text, a recursive CTE, string functions, updates
and deletes: sqlite3's page cache, sorter and expression trees all allocate.
Deterministic for a given N (the output is the queries' results)."""
import sys

n, out = int(sys.argv[1]), sys.argv[2]
seed = 777
def rnd(m):
    global seed
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % m

words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
with open(out, "w") as f:
    f.write("PRAGMA cache_size=-20000;\n")
    f.write("CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT, city TEXT);\n")
    f.write("CREATE TABLE orders(id INTEGER PRIMARY KEY, customer INTEGER, note TEXT, total REAL);\n")
    f.write("CREATE TABLE items(order_id INTEGER, sku TEXT, qty INTEGER);\n")
    f.write("BEGIN;\n")
    for c in range(n * 10):
        f.write("INSERT INTO customers VALUES({}, '{}', '{}');\n".format(c, words[rnd(10)] + str(c), words[rnd(10)]))
    for o in range(n * 100):
        note = " ".join(words[rnd(10)] for _ in range(1 + rnd(12)))
        f.write("INSERT INTO orders VALUES({}, {}, '{}', {}.{:02d});\n".format(o, rnd(n * 10), note, rnd(1000), rnd(100)))
        for _ in range(1 + rnd(3)):
            f.write("INSERT INTO items VALUES({}, 'sku-{}', {});\n".format(o, rnd(500), 1 + rnd(9)))
        if o % 5000 == 4999:
            f.write("COMMIT;\nBEGIN;\n")
    f.write("COMMIT;\n")
    f.write("CREATE INDEX orders_customer ON orders(customer);\nCREATE INDEX items_sku ON items(sku);\n")
    f.write("SELECT c.city, count(*), round(sum(o.total), 2) FROM customers c JOIN orders o ON o.customer = c.id "
            "GROUP BY c.city ORDER BY c.city;\n")
    f.write("SELECT sku, sum(qty) AS q FROM items GROUP BY sku ORDER BY q DESC, sku LIMIT 5;\n")
    f.write("SELECT count(DISTINCT note), max(length(note)) FROM orders;\n")
    f.write("SELECT upper(substr(note, 1, 12)) AS k, count(*) FROM orders GROUP BY k ORDER BY k LIMIT 5;\n")
    f.write("WITH RECURSIVE r(i, s) AS (SELECT 1, 'x' UNION ALL SELECT i + 1, s || i FROM r WHERE i < {}) "
            "SELECT count(*), sum(length(s)) FROM r;\n".format(200 + n * 5))
    f.write("UPDATE orders SET note = note || ' updated' WHERE id % 3 = 0;\n")
    f.write("DELETE FROM items WHERE qty < 3;\n")
    f.write("SELECT count(*), sum(qty) FROM items;\n")
    f.write("SELECT c.name, group_concat(o.id, ';') FROM customers c JOIN orders o ON o.customer = c.id "
            "WHERE c.id < 5 GROUP BY c.name ORDER BY c.name;\n")
