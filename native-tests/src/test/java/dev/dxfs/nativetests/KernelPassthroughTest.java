package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The kernel transport, mounted by root, hands a published version's reads and mappings (a
 * program's among them) to the kernel (FUSE passthrough): what a file already open reads comes
 * from its backing file without a request to the daemon. The proof is black-box: with the daemon
 * stopped (SIGSTOP), such a read still completes, where a read served by the daemon waits for it.
 * (Java's own mapping of a file asks for its size first, a request of its own: the mapping
 * checked is a program's.)
 */
class KernelPassthroughTest {
    private static final int SIZE = 4 << 20;
    /** Far longer than a read from the page cache or the disk takes: one that waits for the daemon never ends in it. */
    private static final long STOPPED_SECONDS = 10;

    @Test
    void anOpenVersionIsReadWhileTheDaemonIsStopped() throws Exception {
        try (MountedDir m = MountedDir.create("passthrough-read")) {
            m.mountWith("kernel");
            Path file = m.dir().resolve("data.bin");
            byte[] version = bytes(1);
            Files.write(file, version);
            try (FileChannel reader = FileChannel.open(file)) {
                whileStopped(m, () -> assertThat(readFrom(reader, 0, SIZE)).isEqualTo(version));
            }
        }
    }

    @Test
    void aReaderOfAnOldVersionKeepsReadingItWhileANewVersionIsPublished() throws Exception {
        try (MountedDir m = MountedDir.create("passthrough-old")) {
            m.mountWith("kernel");
            Path file = m.dir().resolve("data.bin");
            byte[] old = bytes(1);
            byte[] next = bytes(2);
            Files.write(file, old);
            try (FileChannel reader = FileChannel.open(file)) {
                assertThat(readFrom(reader, 0, SIZE)).isEqualTo(old);
                Files.write(file, next);
                assertThat(Files.readAllBytes(file)).isEqualTo(next);
                whileStopped(m, () -> assertThat(readFrom(reader, 0, SIZE)).isEqualTo(old));
            }
            assertThat(m.statusField("commits")).isEqualTo(2);
        }
    }

    /**
     * An append is written in place, into the version that readers pass through to: its open
     * names the node's backing file too (the kernel refuses, with EIO, an open of a node without
     * it while others pass through), and a reader sees the appended bytes at once.
     */
    @Test
    void anAppendThroughTheMountShowsInAReaderThatPassesThrough() throws Exception {
        try (MountedDir m = MountedDir.create("passthrough-append")) {
            m.mountWith("kernel");
            Path file = m.dir().resolve("log.bin");
            byte[] start = bytes(1);
            byte[] appended = "appended through the mount\n".getBytes(StandardCharsets.US_ASCII);
            Files.write(file, start);
            try (FileChannel reader = FileChannel.open(file)) {
                assertThat(readFrom(reader, 0, SIZE)).isEqualTo(start);
                Files.write(file, appended, StandardOpenOption.APPEND);
                whileStopped(m, () -> assertThat(readFrom(reader, SIZE, appended.length)).isEqualTo(appended));
            }
            assertThat(Files.size(file)).isEqualTo(SIZE + appended.length);
        }
    }

    /**
     * A program's pages come from its backing file: a page of its data that nothing touched
     * before is read while the daemon is stopped.
     */
    @Test
    void aProgramStartedFromTheMountPagesInWhileTheDaemonIsStopped() throws Exception {
        try (MountedDir m = MountedDir.create("passthrough-exec")) {
            m.mountWith("kernel");
            Path program = m.dir().resolve("late_pages");
            Files.copy(NativePrograms.c("late_pages"), program);
            Process running = new ProcessBuilder(program.toString()).redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(running.getInputStream(),
                    StandardCharsets.US_ASCII)); OutputStream in = running.getOutputStream()) {
                assertThat(out.readLine()).isEqualTo("ready");
                whileStopped(m, () -> {
                    in.write('\n');
                    in.flush();
                    assertThat(out.readLine()).isEqualTo("42");
                });
                assertThat(running.waitFor(STOPPED_SECONDS, TimeUnit.SECONDS)).isTrue();
                assertThat(running.exitValue()).isZero();
            } finally {
                running.destroyForcibly();
            }
        }
    }

    /** What runs while the daemon is stopped. */
    private interface Body {
        void run() throws Exception;
    }

    /**
     * Runs {@code body} while the daemon is stopped, on a thread of its own: fails if it has not
     * finished in {@link #STOPPED_SECONDS} (it finishes once the daemon runs again). The daemon is
     * stopped and continued by one shell started beforehand: a process started while the daemon
     * is stopped closes the test's open files of the mount as it starts, and a close that waits
     * for the daemon would never let it send the SIGCONT.
     */
    private static void whileStopped(MountedDir m, Body body) throws Exception {
        String script = "kill -STOP \"$1\" && echo stopped; read _; kill -CONT \"$1\"";
        Process stopper = new ProcessBuilder("sh", "-c", script, "sh", Long.toString(m.statusField("pid")))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try (BufferedReader said = new BufferedReader(new InputStreamReader(stopper.getInputStream(),
                StandardCharsets.US_ASCII))) {
            assertThat(said.readLine()).as("the daemon is stopped").isEqualTo("stopped");
            thread.submit(() -> {
                body.run();
                return null;
            }).get(STOPPED_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("it waited for the stopped daemon", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw (Exception) e.getCause();
        } finally {
            stopper.getOutputStream().close();
            assertThat(stopper.waitFor(STOPPED_SECONDS, TimeUnit.SECONDS)).as("the daemon is continued").isTrue();
            thread.shutdown();
        }
    }

    /** {@code length} bytes at {@code position}, read without asking the file's size (a request of its own). */
    private static byte[] readFrom(FileChannel channel, long position, int length) {
        return Unchecked.call(() -> {
            ByteBuffer all = ByteBuffer.allocate(length);
            int read = 0;
            while (all.hasRemaining() && read >= 0) {
                read = channel.read(all, position + all.position());
            }
            return all.array();
        });
    }

    private static byte[] bytes(long seed) {
        byte[] bytes = new byte[SIZE];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
