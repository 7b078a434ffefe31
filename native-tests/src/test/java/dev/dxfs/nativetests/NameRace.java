package dev.dxfs.nativetests;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Processes of {@code namerace} (swapping a name, or opening it over and over) that start
 * together and end by themselves after the same number of seconds; each prints one line of
 * counts. A process may be started long before the others (before a mount, so that its working
 * directory is the backing directory); none begins until {@link #run} tells them all.
 */
final class NameRace implements AutoCloseable {
    private static final long GRACE_SECONDS = 120;

    private final Path binary;
    private final int seconds;
    private final List<Process> processes = new ArrayList<>();
    private final List<String> labels = new ArrayList<>();

    /** The counts one process printed, by name: "opens 10 ok 3 EACCES 7 ..." */
    record Counts(String label, Map<String, Long> values) {
        long get(String key) {
            return values.getOrDefault(key, 0L);
        }

        @Override
        public String toString() {
            return label + " " + values;
        }
    }

    NameRace(Path binary, int seconds) {
        this.binary = binary;
        this.seconds = seconds;
    }

    /** Starts {@code namerace ARGS...} as {@code user} in {@code cwd}; it waits for {@link #run}. */
    NameRace start(String label, TestUsers.User user, Path cwd, String... args) {
        List<String> command = new ArrayList<>(List.of(binary.toString(), args[0], Integer.toString(seconds)));
        command.addAll(List.of(args).subList(1, args.length));
        processes.add(Unchecked.call(() -> new ProcessBuilder(user.run(command)).directory(cwd.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start()));
        labels.add(label);
        return this;
    }

    /** Lets every process go, waits for them all and returns their counts, by label. */
    Map<String, Counts> run() {
        for (Process process : processes) {
            Unchecked.run(() -> {
                OutputStream in = process.getOutputStream();
                in.write("go\n".getBytes(StandardCharsets.US_ASCII));
                in.flush();
            });
        }
        Map<String, Counts> counts = new HashMap<>();
        for (int i = 0; i < processes.size(); i++) {
            Process process = processes.get(i);
            String out = Unchecked.call(
                    () -> new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
            if (!Unchecked.call(() -> process.waitFor(seconds + GRACE_SECONDS, TimeUnit.SECONDS))
                    || process.exitValue() != 0) {
                throw new AssertionError(labels.get(i) + ": namerace did not finish well: " + out);
            }
            counts.put(labels.get(i), parse(labels.get(i), out));
        }
        return counts;
    }

    private static Counts parse(String label, String line) {
        String[] words = line.split(" ");
        Map<String, Long> values = new HashMap<>();
        for (int i = 0; i + 1 < words.length; i += 2) {
            values.put(words[i], Long.parseLong(words[i + 1]));
        }
        return new Counts(label, values);
    }

    /** Ends the processes that are still there (a test that failed before {@link #run}). */
    @Override
    public void close() {
        processes.forEach(Spawned::destroy);
    }
}
