package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

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
 * The soak: 16 writers and 16 readers on 20 paths for a minute (longer with
 * -Ddxfs.soak.seconds=N), the last 5 of them executables that the readers run while the writers
 * replace them. Every read is one whole version, every run starts, no call fails, and the
 * daemon neither grows (its RSS, sampled every second) nor leaks descriptors.
 */
class SoakTest {
    private static final int SECONDS = Integer.getInteger("dxfs.soak.seconds", 60);
    private static final int WRITERS = 16;
    private static final int READERS = 16;
    private static final int PATHS = 20;
    private static final int EXECUTABLES = 5;
    /** The JVM heap is capped at 64 MiB: what it may still grow by once warm is bounded well below a leak. */
    private static final long RSS_GROWTH_LIMIT_KIB = 32 << 10;
    private static final Pattern COUNT = Pattern.compile("([a-z]+) (\\d+)");

    @Test
    void writersReadersAndRunsOfExecutablesBeingReplaced() {
        try (MountedDir mounted = MountedDir.create("soak").mount()) {
            String soak = NativePrograms.c("soak").toString();
            String dir = mounted.dir().toString();
            Run.of(List.of(soak, "populate", dir, String.valueOf(PATHS), String.valueOf(EXECUTABLES))).ok();
            DaemonProcess daemon = DaemonProcess.of(mounted);
            int fdsBefore = daemon.openDescriptors();

            Path logs = mounted.scratch().resolve("logs");
            List<Spawned> writers = new ArrayList<>();
            List<Spawned> readers = new ArrayList<>();
            Map<String, Long> writes = new TreeMap<>();
            Map<String, Long> reads = new TreeMap<>();
            StringBuilder errors = new StringBuilder();
            List<Long> rss = new ArrayList<>();
            try {
                for (int i = 1; i <= WRITERS; i++) {
                    writers.add(start(logs, "writer-" + i, soak, "write", dir, i));
                }
                for (int i = 1; i <= READERS; i++) {
                    readers.add(start(logs, "reader-" + i, soak, "read", dir, i));
                }
                long end = System.nanoTime() + Duration.ofSeconds(SECONDS).toNanos();
                while (System.nanoTime() < end) {
                    rss.add(daemon.rssKib());
                    Pause.of(1000);
                }
                Duration guard = Duration.ofSeconds(60);
                writers.forEach(writer -> add(writes, errors, writer.await(guard).ok()));
                readers.forEach(reader -> add(reads, errors, reader.await(guard).ok()));
            } finally {
                writers.forEach(Spawned::kill);
                readers.forEach(Spawned::kill);
            }
            int fdsAfter = daemon.awaitDescriptorsAtMost(fdsBefore + PATHS, Duration.ofSeconds(20));
            RssTrend trend = RssTrend.of(rss);
            System.out.printf("soak %d s: writers %s, readers %s, daemon descriptors %d before, %d after, %s%n",
                    SECONDS, writes, reads, fdsBefore, fdsAfter, trend);

            assertThat(writes.get("errors")).as("writer errors:\n%s", errors).isZero();
            assertThat(writes.get("writes")).as("versions published").isPositive();
            assertThat(reads.get("errors")).as("reader errors:\n%s", errors).isZero();
            assertThat(reads.get("torn")).as("torn reads and failed runs:\n%s", errors).isZero();
            assertThat(reads.get("execs")).as("runs of executables").isPositive();
            // Without reads that overlapped the publishes, zero torn reads would prove nothing.
            assertThat(reads.get("changes")).as("versions the readers saw replaced").isPositive();
            assertThat(mounted.statusField("errors")).as("status: %s", mounted.status()).isZero();
            assertThat(trend.growthKib()).as("daemon RSS growth after warm-up: %s", trend)
                    .isLessThan(RSS_GROWTH_LIMIT_KIB);
            // The kernel may still cache a node for each name; a leak grows with the operations.
            assertThat(fdsAfter).as("daemon descriptors after the soak (%d before)", fdsBefore)
                    .isLessThanOrEqualTo(fdsBefore + PATHS);
        }
    }

    private static Spawned start(Path logs, String name, String soak, String mode, String dir, int id) {
        return Spawned.start(logs, name, List.of(soak, mode, dir, String.valueOf(PATHS), String.valueOf(EXECUTABLES),
                String.valueOf(id), String.valueOf(SECONDS)));
    }

    /** Adds the "name N" pairs of one process's output to the totals, and its complaints to errors. */
    private static void add(Map<String, Long> totals, StringBuilder errors, Run run) {
        Matcher matcher = COUNT.matcher(run.out());
        int found = 0;
        while (matcher.find()) {
            totals.merge(matcher.group(1), Long.parseLong(matcher.group(2)), Long::sum);
            found++;
        }
        assertThat(found).as("counts in '%s'", run.out()).isPositive();
        errors.append(run.err());
    }
}
