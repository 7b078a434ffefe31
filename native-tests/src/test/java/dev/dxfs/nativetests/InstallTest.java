package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The distribution, dist/dxfs-VERSION.tar.gz, unpacked into a prefix and used from there. */
class InstallTest {

    @Test
    void unpackedIntoAPrefixItMountsWithOnlyJavaAndLibfuse() throws Exception {
        try (MountedDir m = MountedDir.create("install")) {
            Path home = unpack(m.scratch());
            assertThat(home.resolve("bin/dxfs")).isExecutable();
            assertThat(home.resolve("lib/dxfs.jar")).isRegularFile();
            assertThat(home.resolve("lib/dxfs-agent.jar")).isRegularFile();
            assertThat(home.resolve("README.md")).isRegularFile();
            assertThat(Files.readString(home.resolve("share/man/man1/dxfs.1"))).startsWith(".TH DXFS 1 ");

            // Run from outside the source tree, with the system's path only.
            String dxfs = home.resolve("bin/dxfs").toString();
            Map<String, String> plain = Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
            Run mount = Run.of(List.of(dxfs, "mount", m.dir().toString()), m.scratch(), plain, Duration.ofMinutes(1));
            assertThat(mount.exit()).as("%s", mount).isZero();
            assertThat(Dxfs.isMounted(m.dir())).isTrue();
            Files.writeString(m.dir().resolve("installed"), "through the installed dxfs");
            Run.of(List.of(dxfs, "unmount", m.dir().toString()), m.scratch(), plain, Duration.ofMinutes(1)).ok();
            assertThat(Dxfs.mountType(m.dir())).isNull();
            assertThat(Files.readString(m.dir().resolve("installed"))).isEqualTo("through the installed dxfs");
        }
    }

    @Test
    void theSystemdUnitsStartReturnsWithTheMountLiveAndItsStopEndsTheDaemon() throws Exception {
        try (MountedDir m = MountedDir.create("systemd")) {
            Path home = unpack(m.scratch());
            String unit = Files.readString(home.resolve("share/dxfs/systemd/dxfs@.service"));
            assertThat(setting(unit, "Type")).as("ExecStart returns once the mount is live").isEqualTo("forking");
            // %f is the instance name unescaped as a path: systemd-escape --path DIR names the instance.
            String start = setting(unit, "ExecStart").replace("%f", m.dir().toString());
            String stop = setting(unit, "ExecStop").replace("%f", m.dir().toString());
            String dir = m.dir().toString();

            Run run = MountNamespace.run(m.scratch(), home.resolve("bin/dxfs"), m.dir(), String.join("\n",
                    start,
                    "grep -c ' " + dir + " .* - fuse.dxfs ' /proc/self/mountinfo",
                    "echo 'through the service' > " + dir + "/served",
                    "pid=$(dxfs status " + dir + " | sed 's/.*\"pid\":\\([0-9]*\\).*/\\1/')",
                    "case $pid in ''|*[!0-9]*) echo \"no daemon pid in the status\" >&2; exit 4;; esac",
                    stop,
                    "grep -c ' " + dir + " ' /proc/self/mountinfo || true",
                    "if kill -0 \"$pid\" 2>/dev/null; then echo daemon-running; else echo daemon-gone; fi"));

            assertThat(run.exit()).as("%s", run).isZero();
            assertThat(run.out().lines().toList()).as("%s", run)
                    .containsExactly("dxfs: mounted over " + dir, "1", "0", "daemon-gone");
            assertThat(Files.readString(m.dir().resolve("served"))).isEqualTo("through the service\n");
        }
    }

    private static Path unpack(Path prefix) throws IOException {
        return Distribution.unpack(Distribution.plainTarball(), prefix);
    }

    /** The value of a unit file's {@code key=} line. */
    private static String setting(String unit, String key) {
        Matcher matcher = Pattern.compile("(?m)^" + key + "=(.*)$").matcher(unit);
        assertThat(matcher.find()).as("the unit has %s=", key).isTrue();
        return matcher.group(1).trim();
    }
}
