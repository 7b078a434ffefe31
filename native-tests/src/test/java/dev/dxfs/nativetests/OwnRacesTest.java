package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The dx-like run of {@code dxfs demo}: besides the server binary, every round writes a web build
 * into {@code W/public} the way dx does (removes and refills {@code P/wasm}, renames a fixed temp
 * name over {@code P/assets/main.css}), which races among the instances by dx's own making. dxfs
 * does not claim to fix those races, but a mount must not make them more frequent: every FUSE
 * round trip is slower than the system call it stands for, and so widens their windows. Both
 * sides take the same seeds (start offsets and copy names) and parameters, in turns; the mount
 * is the default transport's.
 */
class OwnRacesTest {
    private static final int INSTANCES = 6;
    private static final int ROUNDS = 10;
    /**
     * Turns on each side: 6 keep the test under a minute, which tells a mount that doubles the
     * plain directory's 70 or so (4.8 deviations at a dispersion of 1) every time, and one that
     * adds four fifths (near 4 deviations) in most runs; more runs ({@code -Ddxfs.ownRaces.runs=N})
     * tell smaller excesses.
     */
    private static final int RUNS = Integer.getInteger("dxfs.ownRaces.runs", 6);
    /** A turn of both sides takes about 6 s; a hung mount is what makes the demo exceed this. */
    private static final Duration DEMO_TIMEOUT = Duration.ofSeconds(90 + 15L * RUNS);
    private static final long SEED = 5275;

    /**
     * How far above the plain directory's the mount's count may be, in standard deviations of
     * the difference: 3.09 is a one-sided level of 1e-3. Given the total n of own races on both
     * sides, and equal rates, each race falls on the mount's side with probability 1/2 (two
     * Poisson counts conditioned on their sum), so the mount's count has mean n/2 and variance
     * n/4. But the races are not Poisson: one collision can fail two instances, and what else the
     * machine runs moves the rate from run to run (seen: 1 to 16 in runs alike on the plain
     * directory). So the variance is scaled by the dispersion the runs themselves show
     * (quasi-Poisson: Pearson's chi-square of the counts by run over its degrees of freedom, never
     * below 1). Comparing totals over all runs, with the variance measured rather than assumed,
     * keeps false alarms near one in a thousand and grows stricter with the sample; the mount's
     * earlier figure, 29 against 3, is 4.6 deviations at a dispersion of 1.
     */
    private static final double MAX_DEVIATIONS = 3.09;

    /** A row of the demo's tables: a label and the counts of the plain directory and the mount. */
    private static final Pattern ROW = Pattern.compile("(?m)^  (\\S+(?: \\S+)?) +(\\d+) +(\\d+)$");
    private static final Pattern BY_RUN = Pattern.compile("(?m)^  own races by run, (plain directory|dxfs mount): ([\\d ]+)$");
    private static final String OWN_RACES = "own races";
    private static final String OK = "ok";

    @Test
    void theToolsOwnRacesAreNoMoreFrequentInsideTheMountThanInAPlainDirectory() {
        Dxfs.clearStaleMounts();
        Run demo = Dxfs.run(DEMO_TIMEOUT, "demo", "--instances", "" + INSTANCES, "--rounds", "" + ROUNDS,
                "--runs", "" + RUNS, "--seed", "" + SEED, "--work-dir", Dxfs.WORK.resolve("own-races").toString());
        System.out.println(demo.out());

        assertThat(demo.exit()).as("%s", demo).isZero();
        Map<String, int[]> rows = rows(demo.out());
        Map<String, int[]> byRun = byRun(demo.out());
        assertThat(rows).as("the tallies in %s", demo.out()).containsKeys(OK, OWN_RACES);
        assertThat(byRun).as("the own races by run in %s", demo.out()).containsOnlyKeys("plain directory", "dxfs mount");
        int plain = rows.get(OWN_RACES)[0];
        int mounted = rows.get(OWN_RACES)[1];
        double dispersion = dispersion(byRun.values());
        int n = plain + mounted;
        double deviations = n == 0 ? 0 : (mounted - n / 2.0) / Math.sqrt(dispersion * n / 4.0);
        System.out.printf("%-28s %17s %12s%n", "of " + INSTANCES * ROUNDS * RUNS + " rounds", "plain directory", "dxfs mount");
        System.out.printf("%-28s %17d %12d%n", "executable errors", executableErrors(rows, 0), executableErrors(rows, 1));
        System.out.printf("%-28s %17d %12d   (%.2f deviations above equal at a dispersion of %.2f)%n",
                "the tool's own races", plain, mounted, deviations, dispersion);

        assertThat(executableErrors(rows, 1)).as("ETXTBSY, EPERM, ENOEXEC, torn or other under the mount").isZero();
        assertThat(deviations)
                .as("%d own races under the mount against %d in the plain directory, by run %s and %s (details above)",
                        mounted, plain, Arrays.toString(byRun.get("dxfs mount")), Arrays.toString(byRun.get("plain directory")))
                .isLessThanOrEqualTo(MAX_DEVIATIONS);
    }

    private static Map<String, int[]> rows(String out) {
        Map<String, int[]> rows = new HashMap<>();
        Matcher m = ROW.matcher(out);
        while (m.find()) {
            rows.put(m.group(1), new int[] {Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))});
        }
        return rows;
    }

    private static Map<String, int[]> byRun(String out) {
        Map<String, int[]> byRun = new HashMap<>();
        Matcher m = BY_RUN.matcher(out);
        while (m.find()) {
            byRun.put(m.group(1), Arrays.stream(m.group(2).trim().split(" ")).mapToInt(Integer::parseInt).toArray());
        }
        return byRun;
    }

    /** Every round of the binary's table that did not end ok, in one column. */
    private static int executableErrors(Map<String, int[]> rows, int column) {
        return rows.entrySet().stream()
                .filter(e -> !e.getKey().equals(OK) && !e.getKey().equals(OWN_RACES))
                .mapToInt(e -> e.getValue()[column])
                .sum();
    }

    /** Pearson's chi-square of each side's counts by run about that side's mean, per degree of freedom. */
    static double dispersion(Collection<int[]> sides) {
        double chiSquare = 0;
        int freedom = 0;
        for (int[] counts : sides) {
            double mean = Arrays.stream(counts).average().orElse(0);
            if (mean > 0) {
                for (int c : counts) {
                    chiSquare += (c - mean) * (c - mean) / mean;
                }
                freedom += counts.length - 1;
            }
        }
        return freedom == 0 ? 1 : Math.max(1, chiSquare / freedom);
    }
}
