# programs/gen/perlwork.pl — Perl workload of programs/perl.json: hashes of strings
# built, grown and deleted, string concatenation and substitution, sorting, split/join.
# Usage: perl perlwork.pl N ; prints a deterministic summary.
use strict;
use warnings;
my $n = shift // 1000;
my ($h, %keep) = (0);
for my $r (1 .. $n) {
    my %d;
    for my $i (1 .. 300) {
        my $k = "k" . ($i * 7919 % 1013) . "_" . ($r % 17);
        $d{$k} .= "v$i-" x (1 + $i % 5);
    }
    my $s = join(",", map { "$_=$d{$_}" } sort keys %d);
    (my $t = $s) =~ s/v(\d+)-/<$1>/g;
    my @w = split /[,=<>]+/, $t;
    $h = ($h * 131 + scalar(@w) + length($t)) % 1000000007;
    $keep{$r % 200} = substr($s, 0, 200 + $r % 300);
    delete $keep{($r + 100) % 200} if $r % 3 == 0;
}
my $total = 0;
$total += length($keep{$_}) for sort { $a <=> $b } keys %keep;
print "rounds $n hash $h kept ", scalar(keys %keep), " bytes $total\n";
