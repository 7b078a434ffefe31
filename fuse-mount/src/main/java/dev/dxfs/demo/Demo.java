package dev.dxfs.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reproduces the failures of several {@code dx serve} instances sharing
 * {@code target/dx/<app>/debug/web} (each copies its server binary to {@code W/server} in place,
 * copies that again and runs the copy, or runs {@code W/server} itself), first in a plain
 * directory and then under a dxfs mount of {@code target/dx}, and prints both tallies side by side.
 * Each round also writes the web build into {@code W/public} the way dx does; its failures are
 * the tool's own races, which dxfs does not fix, counted apart so that what a mount does to them
 * shows. Other directories, such as another filesystem's mount, can take their turns too, as
 * further columns between the two.
 */
public final class Demo {
    public static final int DEFAULT_INSTANCES = 6;
    public static final int DEFAULT_ROUNDS = 15;

    /**
     * How long each server keeps running, and so keeps its binary busy: long next to a copy of
     * the server (milliseconds), short enough for both runs to end within seconds.
     */
    static final Duration SERVER_RUN_TIME = Duration.ofMillis(200);

    /** The label of the own races' row, which tests read. */
    private static final String OWN_RACES_LABEL = "own races";
    /** Where dx writes its web build below the directory it runs in, here as in each side's. */
    private static final String WEB = "target/dx/app/debug/web";

    private Demo() {
    }

    /**
     * Runs the demo in a new directory below {@code workParent}, removed at the end: the
     * scenario {@code runs} times on each side (the plain directory, a new directory inside each
     * directory of {@code alsoIn}, which maps its column's name to it and is removed at the end
     * too, and the mount), the sides taking turns, run {@code k} with seed {@code seed + k} on
     * every side.
     *
     * @return 0 when every round under dxfs succeeded, 1 when some failed, 2 when the demo could
     *     not run (no rustc, a build, mount or unmount failure)
     */
    public static int run(DemoMount mount, PrintStream out, int instances, int rounds, int runs, long seed,
            Map<String, Path> alsoIn, Path workParent) {
        if (instances < 1 || rounds < 1 || runs < 1) {
            throw new IllegalArgumentException("instances, rounds and runs must be at least 1");
        }
        Optional<Rustc> rustc = Rustc.locate();
        if (rustc.isEmpty()) {
            out.println("rustc is needed for the demo: install Rust (e.g. apt-get install rustc)");
            return 2;
        }
        Path work;
        try {
            work = Files.createTempDirectory(Files.createDirectories(workParent), "dxfs-demo-");
        } catch (IOException e) {
            out.println("cannot create the demo's work directory: " + e.getMessage());
            return 2;
        }
        boolean stillMounted = false;
        List<Path> alsoInWork = new ArrayList<>();
        try {
            out.println("Building the demo server (variants a and b) and a dx-like instance with rustc...");
            DemoBinaries binaries = DemoBinaries.build(rustc.get(), work.resolve("bin"));
            Scenario scenario = new Scenario(binaries, instances, rounds, SERVER_RUN_TIME, seed);
            out.println("Each run: " + scenario.describe() + ", seed " + seed + (runs == 1 ? "" : " and up") + ".");

            List<Side> sides = new ArrayList<>();
            sides.add(new Side("plain directory", work.resolve("plain").resolve(WEB)));
            for (Map.Entry<String, Path> other : alsoIn.entrySet()) {
                Path inOther = Files.createTempDirectory(other.getValue(), "dxfs-demo-");
                alsoInWork.add(inOther);
                sides.add(new Side(other.getKey(), inOther.resolve(WEB)));
            }
            Path dx = work.resolve("mounted/target/dx");
            Files.createDirectories(dx);
            Side mounted = new Side("dxfs mount", dx.resolve("app/debug/web"));
            sides.add(mounted);
            out.println("Running on a plain directory: " + sides.get(0).web());
            sides.subList(1, sides.size() - 1).forEach(other -> out.println("in " + other.label() + ": " + other.web()));
            out.println("and under a dxfs mount of " + dx + (runs == 1 ? "" : ", taking turns " + runs + " times"));
            try {
                mount.mount(dx);
            } catch (Exception e) {
                out.println("could not mount dxfs on " + dx + ": " + e);
                return 2;
            }
            try {
                // Turns, so that a change in what else the machine runs weighs on every side alike.
                for (int run = 0; run < runs; run++) {
                    for (int side = 0; side < sides.size(); side++) {
                        Path logs = work.resolve("logs/side-" + (side + 1) + "/run-" + (run + 1));
                        scenario.run(run, sides.get(side).web(), logs, sides.get(side).tally());
                    }
                }
            } finally {
                try {
                    mount.unmount(dx);
                } catch (Exception e) {
                    out.println("could not unmount dxfs from " + dx + ": " + e);
                    stillMounted = true;
                }
            }

            out.println();
            printTable(out, sides);
            out.println();
            if (sides.get(0).tally().failures() == 0) {
                out.println("The plain directory showed no failure this time: the race did not show; run the demo again.");
            }
            Tally inMount = mounted.tally();
            if (inMount.failures() == 0) {
                out.println("dxfs mount: all " + inMount.total() + " rounds ok.");
            } else {
                out.println("dxfs mount: " + inMount.failures() + " of " + inMount.total() + " rounds failed.");
            }
            if (stillMounted) {
                return 2;
            }
            return inMount.failures() == 0 ? 0 : 1;
        } catch (IOException e) {
            out.println("the demo failed: " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println("the demo was interrupted");
            return 2;
        } finally {
            alsoInWork.forEach(Demo::deleteTree);
            if (stillMounted) {
                // Deleting through a mount that failed to come off could hang or reach into it.
                out.println("left " + work + " in place");
            } else {
                deleteTree(work);
            }
        }
    }

    /** One place the scenario runs in, a column of the tables. */
    private record Side(String label, Path web, Tally tally) {
        Side(String label, Path web) {
            this(label, web, new Tally());
        }
    }

    private static void printTable(PrintStream out, List<Side> sides) {
        StringBuilder format = new StringBuilder("  %-9s");
        sides.forEach(side -> format.append(" %").append(side.label().length() + 2).append('s'));
        String row = format.append("%n").toString();
        out.printf(row, Stream.concat(Stream.of(""), sides.stream().map(Side::label)).toArray());
        for (Outcome outcome : Outcome.values()) {
            out.printf(row, Stream.concat(Stream.of(outcome.label()), sides.stream().map(side -> side.tally().count(outcome))).toArray());
        }
        sides.forEach(side -> printOtherDetails(out, side.label(), side.tally().otherDetails()));
        out.println();
        out.println("  The tool's own races (writes of the web build into W/public; not dxfs's to fix):");
        out.printf(row, Stream.concat(Stream.of(OWN_RACES_LABEL), sides.stream().map(side -> side.tally().ownRaces())).toArray());
        sides.forEach(side -> printOwnRaces(out, side.label(), side.tally().ownRaceDetails()));
        if (sides.get(0).tally().ownRacesByRun().size() > 1) {
            sides.forEach(side -> printByRun(out, side.label(), side.tally().ownRacesByRun()));
        }
    }

    private static void printByRun(PrintStream out, String column, List<Integer> counts) {
        out.println("  own races by run, " + column + ": "
                + counts.stream().map(String::valueOf).collect(Collectors.joining(" ")));
    }

    private static void printOwnRaces(PrintStream out, String column, Map<String, Integer> details) {
        if (!details.isEmpty()) {
            out.println("  own races, " + column + ":");
            details.forEach((step, n) -> out.println("    " + n + " x " + step));
        }
    }

    private static void printOtherDetails(PrintStream out, String column, List<String> details) {
        if (!details.isEmpty()) {
            out.println("  other, " + column + ":");
            details.forEach(d -> out.println("    " + d));
        }
    }

    /** Best effort: a leftover file in the temp directory is not worth failing the demo for. */
    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // Left for the system's temp cleaning.
        }
    }
}
