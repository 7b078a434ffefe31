package dev.dxfs.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Several dx-like instances started together on one output directory, half of them with server
 * variant A and half with B, the last one doing static-site generation (running W/server itself).
 * The seed fixes each instance's start offsets, so that two runs of one scenario differ in the
 * timing of the directory they run in alone.
 */
record Scenario(DemoBinaries binaries, int instances, int rounds, Duration serverRunTime, long seed) {
    /** Spreads the instances' seeds apart (the golden ratio's increment of splitmix64). */
    private static final long SEED_STEP = 0x9e37_79b9_7f4a_7c15L;
    /** How an instance reports a failed write of the web build: the tool's own race. */
    private static final String OWN_RACE = "own race ";

    String describe() {
        String each = " x " + rounds + " round" + (rounds == 1 ? "" : "s");
        return instances == 1
                ? "1 dx-like instance" + each + ", running W/server itself (static-site generation)"
                : instances + " dx-like instances" + each + ", one of them running W/server itself (static-site generation)";
    }

    /** One run, whose outcomes are added to {@code tally}; run {@code k} takes the seed plus k. */
    void run(int k, Path outputDir, Path logDir, Tally tally) throws IOException, InterruptedException {
        Files.createDirectories(logDir);
        List<Instance> started = new ArrayList<>();
        try {
            for (int i = 0; i < instances; i++) {
                started.add(start(i, seed + k, outputDir, logDir));
            }
            long deadline = System.nanoTime() + timeout().toNanos();
            for (Instance instance : started) {
                instance.finish(deadline, tally);
            }
            tally.endRun();
        } finally {
            for (Instance instance : started) {
                instance.kill();
            }
        }
    }

    /** Far beyond a normal run, so that only a hung mount makes it expire. */
    private Duration timeout() {
        return Duration.ofSeconds(30).plus(serverRunTime.multipliedBy(4).plusSeconds(1).multipliedBy(rounds));
    }

    private Instance start(int index, long runSeed, Path outputDir, Path logDir) throws IOException {
        boolean ssg = index == instances - 1;
        boolean variantA = index % 2 == 0;
        String name = "instance " + (index + 1) + " (" + (ssg ? "ssg" : "copy") + ", variant " + (variantA ? "a" : "b") + ")";
        Path stdout = logDir.resolve("dxlike-" + (index + 1) + ".out");
        Path stderr = logDir.resolve("dxlike-" + (index + 1) + ".err");
        Process process = new ProcessBuilder(
                binaries.dxlike().toString(),
                outputDir.toString(),
                (variantA ? binaries.serverA() : binaries.serverB()).toString(),
                ssg ? "ssg" : "copy",
                Integer.toString(rounds),
                Long.toString(serverRunTime.toMillis()),
                Long.toUnsignedString(runSeed + index * SEED_STEP))
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
        process.getOutputStream().close();
        return new Instance(name, process, stdout, stderr);
    }

    private final class Instance {
        private final String name;
        private final Process process;
        private final Path stdout;
        private final Path stderr;

        Instance(String name, Process process, Path stdout, Path stderr) {
            this.name = name;
            this.process = process;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        void finish(long deadline, Tally tally) throws IOException, InterruptedException {
            boolean exited = process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (!exited) {
                kill();
            }
            int reported = 0;
            for (String line : Files.readAllLines(stdout, StandardCharsets.UTF_8)) {
                if (line.startsWith(OWN_RACE)) {
                    tally.addOwnRace(line.substring(OWN_RACE.length()));
                } else if (line.startsWith("result ")) {
                    record(line.substring("result ".length()), tally);
                    reported++;
                }
            }
            if (reported < rounds) {
                String why = exited
                        ? name + " exited with status " + process.exitValue() + firstLine(stderr).map(l -> ": " + l).orElse("")
                        : name + " did not finish within " + timeout().toSeconds() + " s";
                for (int i = reported; i < rounds; i++) {
                    tally.add(Outcome.OTHER, why);
                }
            }
        }

        private void record(String result, Tally tally) {
            int space = result.indexOf(' ');
            String token = space < 0 ? result : result.substring(0, space);
            String detail = space < 0 ? "" : result.substring(space + 1);
            Optional<Outcome> outcome = Outcome.ofToken(token);
            if (outcome.isPresent()) {
                tally.add(outcome.get(), detail);
            } else {
                tally.add(Outcome.OTHER, name + " reported " + result);
            }
        }

        /** Servers first: once their parent is gone they could no longer be found. */
        void kill() throws InterruptedException {
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor();
            }
        }

        private Optional<String> firstLine(Path file) throws IOException {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip).filter(l -> !l.isEmpty()).findFirst();
        }
    }
}
