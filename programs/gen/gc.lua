-- programs/gen/gc.lua — GC-heavy Lua 5.4 workload for programs/lua.json: binary trees
-- (allocation and collection of many small tables), string building and table churn.
-- Usage: lua5.4 gc.lua N ; prints a deterministic checksum line per part.
local n = tonumber(arg[1]) or 1000

local function make(d)
  if d == 0 then return {} end
  return {make(d - 1), make(d - 1)}
end
local function check(t)
  if t[1] == nil then return 1 end
  return 1 + check(t[1]) + check(t[2])
end

-- 1. binary trees: short-lived trees of depth 4..12, one long-lived tree
local long = make(12)
local nodes = 0
for i = 1, n do
  local d = 4 + (i % 9)
  nodes = nodes + check(make(d))
end
print("trees", nodes, check(long))

-- 2. strings: concatenation, formatting, gsub, table.concat
local parts, h = {}, 0
for i = 1, n * 20 do
  local s = string.format("key-%d-%s", i, string.rep("x", i % 37))
  parts[#parts + 1] = s:upper()
  if #parts >= 500 then
    local j = table.concat(parts, ",")
    h = (h * 31 + #j:gsub("X", "y")) % 1000000007
    parts = {}
  end
end
print("strings", h)

-- 3. table churn: a dictionary where entries are replaced and removed
local dict, live = {}, 0
for i = 1, n * 50 do
  local k = "k" .. ((i * 7919) % (n * 5 + 1))
  if dict[k] then dict[k] = nil; live = live - 1
  else dict[k] = {i, tostring(i), {i}}; live = live + 1 end
end
print("dict", live)
