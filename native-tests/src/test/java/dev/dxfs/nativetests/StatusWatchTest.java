package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code dxfs status --watch}: a live view whose figures move with the writes, and how it ends. */
class StatusWatchTest {
    private static final Pattern COMMITS = Pattern.compile("(?m)^commits +(\\d+) *(\\d+)?");
    private static final Pattern BYTES_RATE = Pattern.compile("(?m)^bytes staged +\\S+ \\S+ +(\\S+) \\S+/s$");

    @Test
    void theFiguresMoveWhileFilesAreWritten() throws InterruptedException {
        try (MountedDir mounted = MountedDir.create("watch").mount()) {
            Spawned watch = Spawned.start(mounted.scratch(), "watch",
                    List.of(Dxfs.LAUNCHER.toString(), "status", "--watch", "--count", "4", mounted.dir().toString()));
            AtomicBoolean writing = new AtomicBoolean(true);
            Thread writer = new Thread(() -> {
                byte[] data = new byte[16 * 1024];
                for (int i = 0; writing.get(); i++) {
                    write(mounted.dir().resolve("file" + i % 50), data);
                    Pause.of(20);
                }
            });
            writer.start();
            Run run;
            try {
                run = watch.await(Duration.ofSeconds(60));
            } finally {
                writing.set(false);
                writer.join();
            }
            assertThat(run.exit()).as("%s", run).isZero();
            String[] frames = run.out().split("\n\n");
            assertThat(frames).as("four views: %s", run.out()).hasSize(4);
            for (String frame : frames) {
                assertThat(frame).startsWith("dxfs " + mounted.dir()).contains("writers open", "concurrent commits",
                        "ETXTBSY prevented", "exec-protected nodes", "errors");
            }
            assertThat(commits(frames[3])).as("commits go up").isGreaterThan(commits(frames[0]));
            Matcher rate = COMMITS.matcher(frames[3]);
            assertThat(rate.find() && rate.group(2) != null && Long.parseLong(rate.group(2)) > 0)
                    .as("commits/s in %s", frames[3]).isTrue();
            Matcher bytes = BYTES_RATE.matcher(frames[3]);
            assertThat(bytes.find()).as("bytes/s in %s", frames[3]).isTrue();
            assertThat(Double.parseDouble(bytes.group(1))).isPositive();
        }
    }

    @Test
    void itEndsWhenTheMountGoesAwayAndOnCtrlC() {
        try (MountedDir mounted = MountedDir.create("watch-end").mount()) {
            List<String> watch = List.of(Dxfs.LAUNCHER.toString(), "status", "--watch", mounted.dir().toString());
            try (BackgroundProcess interrupted = BackgroundProcess.start(watch)) {
                Pause.of(1500);
                Run.of(List.of("kill", "-INT", Long.toString(interrupted.pid()))).ok();
                Run run = interrupted.finish();
                assertThat(run.exit()).as("Ctrl-C: %s", run).isEqualTo(130);
                assertThat(run.err()).as("no trace on Ctrl-C").isEmpty();
                assertThat(run.out()).contains("commits");
            }
            try (BackgroundProcess watching = BackgroundProcess.start(watch)) {
                Pause.of(1500);
                mounted.unmount();
                long unmounted = System.nanoTime();
                Run run = watching.finish();
                assertThat(Duration.ofNanos(System.nanoTime() - unmounted)).isLessThan(Duration.ofSeconds(5));
                assertThat(run.exit()).as("%s", run).isZero();
                assertThat(run.out()).endsWith("dxfs: " + mounted.dir() + " is no longer mounted\n");
            }
        }
    }

    private static long commits(String frame) {
        Matcher matcher = COMMITS.matcher(frame);
        assertThat(matcher.find()).as("commits in %s", frame).isTrue();
        return Long.parseLong(matcher.group(1));
    }

    private static void write(Path file, byte[] data) {
        Unchecked.run(() -> Files.write(file, data));
    }
}
