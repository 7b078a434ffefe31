package dev.dxfs.nativetests;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One stress-ng run of its filesystem stressors, one after another, in a directory, and what failed in it. */
record StressNgRun(Path dir, Run run) {
    private static final Pattern FAILED = Pattern.compile(
            "(?m)(?:^stress-ng: fail:\\s+\\[\\d+\\] ([\\w-]+):|\\(([\\w-]+)\\) terminated with an error)");
    private static final Pattern METRICS = Pattern.compile("(?m)^stress-ng: metrc: \\[\\d+\\] ([\\w-]+)\\s+\\d+\\s");

    /** Runs every stressor of the filesystem class but {@code excluded}, each for {@code seconds}, with --verify. */
    static StressNgRun in(Path dir, int seconds, Set<String> excluded) {
        List<String> command = new ArrayList<>(List.of("stress-ng", "--class", "filesystem", "--sequential", "1",
                "--timeout", seconds + "s", "--verify", "--metrics-brief", "--temp-path", dir.toString()));
        if (!excluded.isEmpty()) {
            command.addAll(List.of("--exclude", String.join(",", excluded)));
        }
        try {
            return new StressNgRun(dir, Run.of(command, dir, java.util.Map.of(), Duration.ofMinutes(10)));
        } catch (java.io.UncheckedIOException e) {
            throw new AssertionError("stress-ng is needed by this test (apt-get install stress-ng)", e);
        }
    }

    /** The stressors that reported a failure or ended with one. */
    Set<String> failed() {
        Set<String> failed = new TreeSet<>();
        Matcher matcher = FAILED.matcher(output());
        while (matcher.find()) {
            failed.add(matcher.group(1) != null ? matcher.group(1) : matcher.group(2));
        }
        return failed;
    }

    /** The stressors that ran (those with a line in the metrics table). */
    Set<String> ran() {
        Set<String> ran = new TreeSet<>();
        Matcher matcher = METRICS.matcher(output());
        while (matcher.find()) {
            ran.add(matcher.group(1));
        }
        ran.remove("stressor");
        return ran;
    }

    /** Whether stress-ng got to its summary (it prints "successful" or "unsuccessful run completed"). */
    boolean completed() {
        return output().contains("run completed");
    }

    String output() {
        return run.out() + run.err();
    }
}
