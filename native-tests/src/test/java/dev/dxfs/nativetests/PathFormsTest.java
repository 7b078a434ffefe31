package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every command takes the directory in every form a shell user writes it (relative, with {@code
 * .} and {@code ..}, a trailing slash, through a symbolic link) and means the same directory by
 * it: what {@code mount} mounted, {@code status} shows and {@code unmount} unmounts under the same
 * name. Before, {@code status LINK} said {@code "mounted":false} and {@code unmount LINK} "not
 * mounted" for the mount that {@code mount LINK} had made.
 */
class PathFormsTest {
    /**
     * The forms, written from the test's root directory, of its directory {@code target/dx}:
     * {@code link} is a relative symbolic link to it, {@code abslink} an absolute one, {@code
     * out} a link to {@code target}; after a link, {@code ..} goes up from where the link points.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"target/dx/", "./target//dx/.", "target/../target/dx", "link", "abslink/", "out/dx",
        "link/../dx"})
    void everyCommandNamesTheSameDirectoryByIt(String form) throws IOException {
        try (MountedDir m = MountedDir.create("path-forms")) {
            Path root = m.dir().getParent().getParent();
            Files.createSymbolicLink(root.resolve("link"), Path.of("target", "dx"));
            Files.createSymbolicLink(root.resolve("abslink"), m.dir());
            Files.createSymbolicLink(root.resolve("out"), Path.of("target"));

            assertThat(dxfs(root, "mount", form).ok().out()).isEqualTo("dxfs: mounted over " + m.dir() + "\n");
            assertThat(Dxfs.mountCount(m.dir())).as("mounts at %s", m.dir()).isEqualTo(1);
            assertThat(dxfs(root, "status", form).ok().out())
                    .startsWith("{\"mountpoint\":\"" + m.dir() + "\",\"mounted\":true,");
            dxfs(root, "mount", form).failsWithOneLine(m.dir() + " is already a dxfs mount");
            dxfs(root, "unmount", form).ok();
            assertThat(Dxfs.mountCount(m.dir())).as("mounts left at %s", m.dir()).isZero();

            Run run = dxfs(root, "run", form, "--", "sh", "-c", "grep -c ' " + m.dir() + " .* - fuse.dxfs ' /proc/self/mountinfo");
            assertThat(run.ok().out()).as("dxfs mounts at %s during run", m.dir()).isEqualTo("1\n");
            assertThat(Dxfs.mountCount(m.dir())).as("mounts left by run at %s", m.dir()).isZero();

            assertThat(dxfs(root, form, form).ok().out()).as("the mount(8) form").isEmpty();
            assertThat(Dxfs.mountCount(m.dir())).as("mounts at %s", m.dir()).isEqualTo(1);
            dxfs(root, "unmount", form).ok();
        }
    }

    /**
     * Mounted from inside the directory, as {@code .}: the JVM that becomes the daemon works from
     * the root directory, not the caller's, so that it keeps nothing inside busy; once the mount
     * is live it holds none of the caller's descriptors (the mount's output was read to its end),
     * its output going to the file beside its log.
     */
    @Test
    void aMountMadeFromInsideTheDirectoryKeepsNothingOfTheCallers() throws IOException {
        try (MountedDir m = MountedDir.create("from-inside")) {
            assertThat(dxfs(m.dir(), "mount", ".").ok().out()).isEqualTo("dxfs: mounted over " + m.dir() + "\n");
            Path daemon = Path.of("/proc", Long.toString(m.statusField("pid")));
            assertThat(Files.readSymbolicLink(daemon.resolve("cwd"))).as("the daemon's directory").isEqualTo(Path.of("/"));
            assertThat(Files.readSymbolicLink(daemon.resolve("fd/0"))).isEqualTo(Path.of("/dev/null"));
            Path stderr = Path.of(m.log() + ".stderr");
            assertThat(Files.readSymbolicLink(daemon.resolve("fd/1"))).as("its stdout").isEqualTo(stderr);
            assertThat(Files.readSymbolicLink(daemon.resolve("fd/2"))).as("its stderr").isEqualTo(stderr);
            Dxfs.run("unmount", m.dir().toString()).ok();
            assertThat(Dxfs.mountCount(m.dir())).as("mounts left at %s", m.dir()).isZero();
        }
    }

    /** The launcher, started in {@code cwd}. */
    private static Run dxfs(Path cwd, String... args) {
        List<String> command = new ArrayList<>(List.of(Dxfs.LAUNCHER.toString()));
        command.addAll(List.of(args));
        return Run.of(command, cwd, Map.of(), Duration.ofMinutes(2));
    }
}
