package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Many processes rewriting one file while others read it: through dxfs every read is one whole
 * version; the same workload on a plain directory shows why that matters (it tears).
 */
class ConcurrentWritersTest {
    private static final int WRITERS = 8;
    private static final int ROUNDS = 50;
    private static final int READERS = 3;
    private static final int MIN_SIZE = 64 << 10;
    private static final int MAX_SIZE = 1 << 20;
    /** Small writes leave a natively rewritten file partly written for as long as possible. */
    private static final int CHUNK = 4096;
    /** Only a guard against a hang: readers stop when the writers are done. */
    private static final int READER_MAX_SECONDS = 150;
    private static final Duration HANG_GUARD = Duration.ofMinutes(3);
    private static final Pattern COUNT = Pattern.compile("([a-z]+) (\\d+)");

    /** The summed counts of the workload's processes. */
    record Outcome(Map<String, Long> writers, Map<String, Long> readers, String writerErrors, String readerErrors,
            Run finalCheck) {
        long reader(String field) {
            return readers.getOrDefault(field, 0L);
        }

        long writer(String field) {
            return writers.getOrDefault(field, 0L);
        }
    }

    @Test
    void readersThroughDxfsSeeOnlyCompleteVersions() {
        try (MountedDir dir = MountedDir.create("concurrent-dxfs")) {
            dir.mount();
            Outcome outcome = runWorkload(dir.dir().resolve("shared.bin"), dir.scratch());
            System.out.println("dxfs: writers " + outcome.writers() + ", readers " + outcome.readers());

            assertThat(outcome.writer("errors")).as("writer errors:\n%s", outcome.writerErrors()).isZero();
            assertThat(outcome.writer("writes")).isEqualTo((long) WRITERS * ROUNDS);
            assertThat(outcome.reader("errors")).as("reader errors:\n%s", outcome.readerErrors()).isZero();
            // Without reads that overlapped the commits, zero torn reads would prove nothing.
            assertThat(outcome.reader("changes")).as("versions the readers saw replaced").isPositive();
            assertThat(outcome.reader("torn")).as("torn reads, by kind: %s", outcome.readers()).isZero();
            assertThat(outcome.finalCheck().exit()).as("final file: %s", outcome.finalCheck().out()).isZero();
            assertThat(dir.statusField("errors")).as("status: %s", dir.status()).isZero();
        }
    }

    @Test
    void thePlainDirectoryTearsUnderTheSameWorkload() {
        try (MountedDir dir = MountedDir.create("concurrent-plain")) {
            Outcome outcome = runWorkload(dir.dir().resolve("shared.bin"), dir.scratch());
            System.out.println("plain: writers " + outcome.writers() + ", readers " + outcome.readers());

            assertThat(outcome.writer("errors")).as("writer errors:\n%s", outcome.writerErrors()).isZero();
            assertThat(outcome.reader("reads")).isPositive();
            assertThat(outcome.reader("torn"))
                    .as("torn reads on a plain directory (the workload must be able to catch tearing)")
                    .isPositive();
        }
    }

    private static Outcome runWorkload(Path file, Path scratch) {
        String versions = NativePrograms.c("versions").toString();
        Path logs = scratch.resolve("logs");
        Path stop = scratch.resolve("stop");
        // Readers count a missing or empty file as torn, so a version must exist before they start.
        Run first = Run.of(List.of(versions, "write", file.toString(), "0", "1",
                String.valueOf(MIN_SIZE), String.valueOf(MAX_SIZE), String.valueOf(CHUNK))).ok();
        assertThat(first.out().trim()).isEqualTo("writes 1 errors 0");

        List<Spawned> readers = new ArrayList<>();
        List<Spawned> writers = new ArrayList<>();
        try {
            for (int r = 0; r < READERS; r++) {
                readers.add(Spawned.start(logs, "reader-" + r, List.of(versions, "read", file.toString(),
                        String.valueOf(READER_MAX_SECONDS), stop.toString())));
            }
            for (int w = 1; w <= WRITERS; w++) {
                writers.add(Spawned.start(logs, "writer-" + w, List.of(versions, "write", file.toString(),
                        String.valueOf(w), String.valueOf(ROUNDS), String.valueOf(MIN_SIZE),
                        String.valueOf(MAX_SIZE), String.valueOf(CHUNK))));
            }
            Map<String, Long> writerCounts = new TreeMap<>();
            StringBuilder writerErrors = new StringBuilder();
            for (Spawned writer : writers) {
                Run run = writer.await(HANG_GUARD).ok();
                add(writerCounts, run.out());
                writerErrors.append(run.err());
            }
            StopFile.create(stop);
            Map<String, Long> readerCounts = new TreeMap<>();
            StringBuilder readerErrors = new StringBuilder();
            for (Spawned reader : readers) {
                Run run = reader.await(HANG_GUARD).ok();
                add(readerCounts, run.out());
                readerErrors.append(run.err());
            }
            Run check = Run.of(List.of(versions, "check", file.toString()));
            return new Outcome(writerCounts, readerCounts, writerErrors.toString(), readerErrors.toString(), check);
        } finally {
            StopFile.create(stop);
            writers.forEach(Spawned::kill);
            readers.forEach(Spawned::kill);
        }
    }

    /** Adds the "name N" pairs of one process's last output line to the totals. */
    private static void add(Map<String, Long> totals, String output) {
        String[] lines = output.trim().split("\n");
        Matcher matcher = COUNT.matcher(lines[lines.length - 1]);
        int found = 0;
        while (matcher.find()) {
            totals.merge(matcher.group(1), Long.parseLong(matcher.group(2)), Long::sum);
            found++;
        }
        assertThat(found).as("counts in '%s'", output).isPositive();
    }
}
