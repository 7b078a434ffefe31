package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code dxfs unmount} while a writer holds a file open: refused as busy, changing nothing, until
 * the writer closes; with --force the mount goes at once and the unfinished write is discarded,
 * never published. (SIGTERM and SIGINT of the daemon: {@link MountLifecycleTest}.)
 */
class UnmountWithOpenWritersTest {

    @Test
    void unmountRefusesWhileAWriteIsOpenAndTheWriterFinishesUndisturbed() throws Exception {
        try (MountedDir m = MountedDir.create("unmount-busy"); FsShell writer = FsShell.start()) {
            m.mount();
            Path file = m.dir().resolve("out.txt");
            Files.writeString(file, "old");
            int fd = writer.open(file, "wronly|trunc");
            writer.write(fd, "new ");

            Run refused = Dxfs.run("unmount", m.dir().toString());
            assertThat(refused.exit()).as(refused.toString()).isNotZero();
            assertThat(refused.err().strip().lines().toList()).as(refused.toString()).hasSize(1);
            assertThat(refused.err()).contains(m.dir() + " is busy").contains("dxfs unmount --force");
            assertThat(Dxfs.isMounted(m.dir())).isTrue();
            assertThat(m.statusField("openStagedWriters")).isEqualTo(1);

            writer.write(fd, "version");
            writer.close(fd);
            assertThat(Files.readString(file)).isEqualTo("new version");
            m.awaitOpenStagedWriters(0);
            m.unmount();
            assertThat(Files.readString(file)).isEqualTo("new version");
        }
    }

    @Test
    void aForcedUnmountDiscardsTheWritesStillOpen() throws Exception {
        try (MountedDir m = MountedDir.create("unmount-force"); BackingView backing = BackingView.of(m.dir());
                FsShell writer = FsShell.start()) {
            m.mount();
            Path file = m.dir().resolve("out.txt");
            Files.writeString(file, "old");
            int fd = writer.open(file, "wronly|trunc");
            writer.write(fd, "half of a new ");
            ProcessHandle daemon = ProcessHandle.of(m.statusField("pid")).orElseThrow();
            Path log = m.log();

            Dxfs.run("unmount", "--force", m.dir().toString()).ok();

            assertThat(Dxfs.mountType(m.dir())).as("unmounted").isNull();
            daemon.onExit().get(15, TimeUnit.SECONDS);
            assertThat(Files.readString(file)).as("the published file").isEqualTo("old");
            assertThat(Files.readString(log)).as("the log says why the write was discarded")
                    .contains("discarded the writes of out.txt: it was still open when the mount went away")
                    .doesNotContain("its name was removed");
            assertThat(backing.stagedTempFiles()).as("temp files left").isEmpty();
            assertThat(writer.error("write " + fd + " 00")).as("the writer's next write").isEqualTo("ENOTCONN");
            writer.call("close " + fd);
            assertThat(Files.readString(file)).as("after the writer's close").isEqualTo("old");
        }
    }

}
