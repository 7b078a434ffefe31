package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The form mount(8), mount.fuse and fstab use: dxfs SOURCE MOUNTPOINT -o OPTIONS. */
class FuseInvocationTest {

    @Test
    void mountsInPlaceWithTheOptionsAnFstabLineGivesAndReturnsOnceLive() throws Exception {
        try (MountedDir m = MountedDir.create("fuseform")) {
            String dir = m.dir().toString();
            // What mount.fuse passes for "defaults,nofail,_netdev,x-systemd.automount,allow_other,..."
            Dxfs.run(dir, dir, "-o", "rw,allow_other,nofail,dev,suid,noexec",
                    "-o", "exclude=*.log,defaults,_netdev,x-systemd.automount").ok();

            assertThat(mountInfoLine(m.dir())).contains("noexec").contains("allow_other");
            Files.writeString(m.dir().resolve("app.bin"), "staged");
            Files.writeString(m.dir().resolve("run.log"), "in place");
            assertThat(m.statusField("commits")).as("only the file not excluded is committed").isEqualTo(1);
            m.unmount();
            assertThat(Files.readString(m.dir().resolve("app.bin"))).isEqualTo("staged");
        }
    }

    @Test
    void refusesUnknownOptionsAndASourceOtherThanTheMountPointLeavingNothingMounted() {
        try (MountedDir m = MountedDir.create("fuseformbad")) {
            String dir = m.dir().toString();
            Run unknown = Dxfs.run(dir, dir, "-o", "allow_other,big_writes");
            assertThat(unknown.exit()).isEqualTo(1);
            assertThat(unknown.err()).startsWith("dxfs: unknown mount option 'big_writes': dxfs takes allow_other");

            Run elsewhere = Dxfs.run(m.scratch().toString(), dir);
            assertThat(elsewhere.exit()).isEqualTo(1);
            assertThat(elsewhere.err()).contains("SOURCE and MOUNTPOINT must be the same directory");

            Run typo = Dxfs.run("mout", dir);
            assertThat(typo.err()).contains("'mout' is neither a dxfs command nor a directory");
            assertThat(Dxfs.mountType(m.dir())).isNull();
        }
    }

    @Test
    void inTheForegroundServesUntilUnmountedAndSaysReady() throws Exception {
        try (MountedDir m = MountedDir.create("foreground");
                BackgroundProcess daemon = BackgroundProcess.start(
                        List.of(Dxfs.LAUNCHER.toString(), m.dir().toString(), m.dir().toString(), "-f"))) {
            daemon.awaitLine("ready");
            assertThat(Dxfs.isMounted(m.dir())).isTrue();
            Files.writeString(m.dir().resolve("file"), "through the foreground daemon");
            m.unmount();
            Run finished = daemon.finish();
            assertThat(finished.exit()).as("%s", finished).isZero();
            assertThat(finished.err()).contains("mounted over " + m.dir());
            assertThat(Files.readString(m.dir().resolve("file"))).isEqualTo("through the foreground daemon");
        }
    }

    @Test
    void mountTypeFuseDxfsAndAnFstabLineMountThroughDebiansMountFuse() throws Exception {
        try (MountedDir m = MountedDir.create("mounthelper")) {
            Path dir = m.dir();
            Path fstab = Files.writeString(m.scratch().resolve("fstab"),
                    dir + " " + dir + " fuse.dxfs defaults,nofail,_netdev,x-systemd.requires=network.target,"
                            + "exclude=*.log,nosuid 0 0\n");
            Run run = MountNamespace.run(m.scratch(), Dxfs.LAUNCHER, dir, String.join("\n",
                    "mount -t fuse.dxfs " + dir + " " + dir + " -o nofail,x-systemd.automount,_netdev,allow_other",
                    "grep ' " + dir + " ' /proc/self/mountinfo",
                    "echo by-mount-t > " + dir + "/first",
                    "umount " + dir,
                    "mount -T " + fstab + " " + dir,
                    "grep ' " + dir + " ' /proc/self/mountinfo",
                    "echo by-fstab > " + dir + "/second",
                    "umount " + dir,
                    "if mount -t fuse.dxfs " + dir + " " + dir + " -o bogus; then exit 3; fi",
                    "grep -c ' " + dir + " ' /proc/self/mountinfo || true"));

            assertThat(run.exit()).as("%s", run).isZero();
            List<String> lines = run.out().lines().toList();
            assertThat(lines).hasSize(3);
            assertThat(lines.get(0)).contains(" - fuse.dxfs dxfs ").contains("allow_other");
            assertThat(lines.get(1)).contains(" - fuse.dxfs dxfs ").contains("nosuid").doesNotContain("allow_other");
            assertThat(lines.get(2)).as("the refused mount left nothing mounted").isEqualTo("0");
            assertThat(run.err()).contains("dxfs: unknown mount option 'bogus'");
            assertThat(Files.readString(dir.resolve("first"))).isEqualTo("by-mount-t\n");
            assertThat(Files.readString(dir.resolve("second"))).isEqualTo("by-fstab\n");
        }
    }

    private static String mountInfoLine(Path dir) throws Exception {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(line -> line.contains(" " + dir + " ") && line.contains(" - fuse.dxfs "))
                .findFirst().orElseThrow(() -> new AssertionError("no dxfs mount at " + dir));
    }
}
