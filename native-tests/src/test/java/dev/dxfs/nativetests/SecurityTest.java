package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Who may do what through a mount: by default only the user who mounted it; with
 * --allow-other, everyone, as the backing files' permissions allow; and a rewrite by someone
 * other than root never keeps a program's setuid bit, as the kernel clears it on such a write.
 */
class SecurityTest {
    private static final String NOBODY = "65534";

    @Test
    void byDefaultOtherUsersCannotUseTheMount() throws IOException {
        try (MountedDir mounted = MountedDir.create("security-default")) {
            Files.writeString(mounted.dir().resolve("open.txt"), "readable by all\n");
            Files.setPosixFilePermissions(mounted.dir(), PosixFilePermissions.fromString("rwxr-xr-x"));
            assertThat(asNobody(mounted.dir(), "cat open.txt").exit()).as("before the mount").isZero();
            mounted.mount();

            Run cat = asNobody(mounted.dir(), "cat open.txt");
            assertThat(cat.exit()).isNotZero();
            assertThat(cat.err()).contains("Permission denied");
        }
    }

    @Test
    void withAllowOtherTheBackingPermissionsDecide() throws IOException {
        try (MountedDir mounted = MountedDir.create("security-allow-other")) {
            Path dir = mounted.dir();
            Files.writeString(dir.resolve("open.txt"), "readable by all\n");
            Files.writeString(dir.resolve("secret.txt"), "root only\n");
            Files.setPosixFilePermissions(dir.resolve("secret.txt"), PosixFilePermissions.fromString("rw-------"));
            mounted.mount("--allow-other");

            assertThat(asNobody(dir, "cat open.txt").out()).isEqualTo("readable by all\n");
            Run secret = asNobody(dir, "cat secret.txt");
            assertThat(secret.exit()).isNotZero();
            assertThat(secret.err()).contains("Permission denied");
            assertThat(asNobody(dir, "printf x > secret.txt").exit()).isNotZero();
            assertThat(Files.readString(dir.resolve("secret.txt"))).isEqualTo("root only\n");
        }
    }

    @Test
    void aRewriteByAnotherUserDropsSetuidAsNatively() throws IOException {
        try (MountedDir plain = MountedDir.create("security-setuid-plain");
                MountedDir mounted = MountedDir.create("security-setuid")) {
            String plainModes = setuidTranscript(plain.dir());
            mounted.mount("--allow-other");
            String mountedModes = setuidTranscript(mounted.dir());

            assertThat(plainModes).isEqualTo("after nobody 777, after root 4777\n");
            assertThat(mountedModes).as("through the mount").isEqualTo(plainModes);
        }
    }

    /**
     * Nothing partly written is ever readable by others or executable: a temp file is 0600 and
     * has no name until its commit, which gives it its final mode, then a name in a staging
     * directory only the daemon's user can enter, for the rename.
     */
    @Test
    void tempFilesArePrivateUntilTheirCommit() throws IOException {
        try (MountedDir mounted = MountedDir.create("security-temp");
                BackingView backing = BackingView.of(mounted.dir())) {
            Path program = mounted.dir().resolve("program");
            Files.writeString(program, "old\n");
            Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
            mounted.mount();
            try (FsShell writer = FsShell.start()) {
                int rewrite = writer.open(program, "wronly|trunc");
                writer.write(rewrite, "half of the new program");
                int created = writer.open(mounted.dir().resolve("new-program"), "wronly|creat|trunc", 0755);
                writer.write(created, "half of another");

                Path staging = backing.dir().resolve(".dxfs");
                // 0700, and the sticky bit by which the daemon knows a staging directory as its own.
                assertThat(mode(staging)).as("the staging directory").isEqualTo("1700");
                assertThat(backing.stagedTempFiles()).as("temp files with a name").isEmpty();
                List<Path> temps = BackingView.unnamedTempFiles(mounted.statusField("pid"));
                assertThat(temps).as("the daemon's temp files without a name").hasSize(2);
                for (Path temp : temps) {
                    assertThat(mode(temp)).as("temp file %s", temp).isEqualTo("600");
                }

                writer.close(rewrite);
                writer.close(created);
            }
            assertThat(mode(program)).isEqualTo("755");
            assertThat(mode(mounted.dir().resolve("new-program"))).isEqualTo("755");
        }
    }

    /** A world-writable setuid file rewritten by nobody, and another one rewritten by root. */
    private static String setuidTranscript(Path dir) throws IOException {
        Path byNobody = dir.resolve("by-nobody");
        Path byRoot = dir.resolve("by-root");
        for (Path program : List.of(byNobody, byRoot)) {
            Files.writeString(program, "old\n");
            Run.of(List.of("chmod", "4777", program.toString())).ok();
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        asNobody(dir, "printf new > by-nobody").ok();
        Run.of(List.of("sh", "-c", "printf new > " + byRoot)).ok();
        return "after nobody " + mode(byNobody) + ", after root " + mode(byRoot) + "\n";
    }

    private static String mode(Path file) {
        return Run.of(List.of("stat", "-L", "-c", "%a", file.toString())).ok().out().trim();
    }

    /**
     * Runs {@code script} as nobody in {@code dir}: the directory is entered before the user
     * changes, so that the directories above it need not be open to nobody.
     */
    private static Run asNobody(Path dir, String script) {
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
                "--clear-groups", "sh", "-c", script));
        return Run.of(command, dir, Map.of(), Run.DEFAULT_TIMEOUT);
    }
}
