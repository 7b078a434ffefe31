package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The daemon's log file: it names every concurrent commit and every ETXTBSY the mount prevented,
 * with the paths, it is rolled over at its size cap, and only the daemon's user can read it.
 */
class DaemonLogTest {

    @Test
    void theLogNamesConcurrentCommitsAndReplacedRunningPrograms() throws IOException {
        try (MountedDir mounted = MountedDir.create("log-events").mount()) {
            Path log = mounted.log();
            Path file = mounted.dir().resolve("contended.txt");
            Files.writeString(file, "base\n");
            try (FsShell a = FsShell.start(); FsShell b = FsShell.start()) {
                int fa = a.open(file, "wronly|trunc");
                int fb = b.open(file, "wronly|trunc");
                a.write(fa, "from A\n");
                b.write(fb, "from B\n");
                a.close(fa);
                b.close(fb);
            }

            Path app = mounted.dir().resolve("app");
            Files.copy(Path.of("/bin/sleep"), app);
            Files.setPosixFilePermissions(app, PosixFilePermissions.fromString("rwxr-xr-x"));
            try (BackgroundProcess running = BackgroundProcess.start(List.of(app.toString(), "60"))) {
                awaitExecuting(mounted);
                Run.of(List.of("cp", "/bin/true", app.toString())).ok();
                assertThat(mounted.statusField("textBusyPrevented")).isEqualTo(1);
            }
            Run.of(List.of(app.toString())).ok();

            String text = Files.readString(log);
            assertThat(text).contains("concurrent commit: contended.txt replaced a version published by another writer");
            assertThat(text).contains("ETXTBSY prevented: app is replaced while a program runs from it");
        }
    }

    @Test
    void theLogIsRolledOverAtItsCapAndIsPrivate() throws IOException {
        try (MountedDir mounted = MountedDir.create("log-roll").mount("-d", "--log-max-size", "4KB")) {
            Path log = mounted.log();
            try {
                // Writes until the third roll-over: how many that takes follows how much the
                // daemon logs per request, which is not what this test is about.
                for (int i = 0; i < 2_000 && !Files.exists(Path.of(log + ".3")); i++) {
                    Files.writeString(mounted.dir().resolve("file" + i), "content " + i);
                }
                for (int i = 1; i <= 3; i++) {
                    Path rolled = Path.of(log + "." + i);
                    assertThat(rolled).as("rolled-over log %d", i).exists();
                    // A line can overshoot the cap; a log that is never rolled would be far larger.
                    assertThat(Files.size(rolled)).isBetween(4096L, 4096L + 1024);
                }
                assertThat(Path.of(log + ".4")).as("only three old logs are kept").doesNotExist();
                assertThat(Files.readString(log)).contains("DEBUG");
                // The log names what others write: the daemon's user alone reads it, rolled or not.
                for (String suffix : List.of("", ".1", ".2", ".3", ".stderr")) {
                    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(log + suffix))))
                            .as("mode of the log%s", suffix).isEqualTo("rw-------");
                }
            } finally {
                mounted.unmount();
                for (String suffix : List.of("", ".1", ".2", ".3", ".stderr")) {
                    Files.deleteIfExists(Path.of(log + suffix));
                }
            }
        }
    }

    private static void awaitExecuting(MountedDir mounted) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (mounted.statusField("execProtectedNodes") == 0) {
            assertThat(System.nanoTime()).as("the program started through the mount").isLessThan(deadline);
            Pause.of(20);
        }
    }
}
