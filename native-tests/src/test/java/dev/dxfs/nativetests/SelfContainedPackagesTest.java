package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The packages that carry their own Java runtime, used as a user without a JDK uses them: the
 * .deb installed with apt-get, and the linux-x86_64 tarball unpacked anywhere.
 */
class SelfContainedPackagesTest {
    private static final Path INSTALLED_RUNTIME_JAVA = Path.of("/usr/lib/dxfs/runtime/bin/java");
    private static final Duration APT_TIMEOUT = Duration.ofMinutes(5);
    /** A login shell's path: no /usr/local, no Java beside the package's own in front of it. */
    private static final Map<String, String> SYSTEM_PATH = Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");

    @Test
    void theDebInstallsADxfsThatMountsOnItsOwnRuntimeAndItsRemovalLeavesNoFile() throws Exception {
        assertThat(Run.of(List.of("id", "-u")).ok().out().trim()).as("installing a .deb needs root").isEqualTo("0");
        Path deb = Distribution.deb();
        assertThat(knownToDpkg()).as("dxfs is not installed before the test").isFalse();
        List<Path> contents = contents(deb);
        Set<Path> existedBefore = contents.stream().filter(path -> Files.exists(path, LinkOption.NOFOLLOW_LINKS))
                .collect(Collectors.toSet());
        assertThat(existedBefore).as("the package's own files are not on the machine yet")
                .doesNotContain(Path.of("/usr/bin/dxfs"), Path.of("/usr/lib/dxfs"));
        try (MountedDir m = MountedDir.create("deb")) {
            apt("install", deb.toString());
            List<Path> installed = Run.of(List.of("dpkg", "-L", "dxfs")).ok().out().lines()
                    .filter(line -> !line.equals("/.")).map(Path::of).toList();
            assertThat(installed).as("dpkg -L dxfs").containsExactlyInAnyOrderElementsOf(contents)
                    .contains(Path.of("/usr/bin/dxfs"), Path.of("/usr/share/man/man1/dxfs.1.gz"),
                            Path.of("/usr/lib/systemd/system/dxfs@.service"), INSTALLED_RUNTIME_JAVA);

            String dir = m.dir().toString();
            shell(m, "dxfs mount " + dir).ok();
            assertThat(Dxfs.isMounted(m.dir())).isTrue();
            long daemon = Dxfs.daemonPid(m.dir());
            assertThat(daemon).as("the daemon serving %s", dir).isPositive();
            assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(daemon), "exe")))
                    .as("the daemon's executable").isEqualTo(INSTALLED_RUNTIME_JAVA);
            Path program = m.dir().resolve("hello");
            Files.writeString(program, "#!/bin/sh\necho run from the mount\n");
            Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
            assertThat(Run.of(List.of(program.toString())).ok().out()).isEqualTo("run from the mount\n");
            shell(m, "dxfs unmount " + dir).ok();
            assertThat(Dxfs.mountType(m.dir())).isNull();
            assertThat(Files.readString(program)).isEqualTo("#!/bin/sh\necho run from the mount\n");

            // As mount(8) and fstab lines mount it: mount.fuse finds /usr/bin/dxfs in its default path.
            shell(m, "mount -t fuse.dxfs " + dir + " " + dir).ok();
            assertThat(Dxfs.isMounted(m.dir())).isTrue();
            assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(Dxfs.daemonPid(m.dir())), "exe")))
                    .isEqualTo(INSTALLED_RUNTIME_JAVA);
            shell(m, "umount " + dir).ok();

            apt("remove", "dxfs");
            assertThat(installed.stream().filter(path -> !existedBefore.contains(path))
                    .filter(path -> Files.exists(path, LinkOption.NOFOLLOW_LINKS)))
                    .as("what the package installed, left after apt-get remove").isEmpty();
            // With no configuration files, nothing is left for a purge: dpkg forgets the package.
            assertThat(knownToDpkg()).as("dxfs known to dpkg after apt-get remove").isFalse();
        } finally {
            if (knownToDpkg()) {
                Run.of(List.of("dpkg", "--purge", "dxfs"), null, SYSTEM_PATH, APT_TIMEOUT);
            }
        }
    }

    @Test
    void theTarballRunsTheDemoOnItsOwnRuntimeWithNoJavaOnTheMachine() throws Exception {
        try (MountedDir m = MountedDir.create("self-contained")) {
            Path home = Distribution.unpack(Distribution.selfContainedTarball(), m.scratch());
            Path emptyJavaHome = Files.createDirectories(m.scratch().resolve("no-java-home"));
            Map<String, String> noJava = Map.of("PATH", PathWithoutJava.in(m.scratch()),
                    "JAVA_HOME", emptyJavaHome.toString());
            Run lookup = Run.of(List.of("/bin/sh", "-c", "command -v java"), null, noJava, Duration.ofSeconds(30));
            assertThat(lookup.exit()).as("java found on the test's PATH: %s", lookup.out()).isNotZero();

            Run demo = Run.of(List.of(home.resolve("bin/dxfs").toString(), "demo", "--instances", "2", "--rounds", "2",
                    "--work-dir", m.scratch().toString()), m.scratch(), noJava, Duration.ofMinutes(5));

            assertThat(demo.exit()).as("%s", demo).isZero();
            assertThat(demo.out()).contains("dxfs mount: all 4 rounds ok.");
        }
    }

    /** The paths the .deb installs, from its data archive. */
    private static List<Path> contents(Path deb) {
        Run list = Run.of(List.of("sh", "-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -t", "sh", deb.toString())).ok();
        List<Path> paths = new ArrayList<>();
        for (String entry : list.out().lines().toList()) {
            String path = entry.replaceFirst("^\\./?", "/").replaceFirst("(.)/$", "$1");
            if (!path.equals("/")) {
                paths.add(Path.of(path));
            }
        }
        return paths;
    }

    private static boolean knownToDpkg() {
        return Run.of(List.of("dpkg-query", "-W", "dxfs")).exit() == 0;
    }

    /** apt-get as a user runs it, waiting for another apt-get to release dpkg's lock. */
    private static void apt(String... args) {
        List<String> command = new ArrayList<>(List.of("apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=240"));
        command.addAll(List.of(args));
        Run.of(command, null, Map.of("DEBIAN_FRONTEND", "noninteractive", "PATH", SYSTEM_PATH.get("PATH")), APT_TIMEOUT).ok();
    }

    /** A command line as a user types it, with the system's path. */
    private static Run shell(MountedDir m, String commandLine) {
        return Run.of(List.of("/bin/sh", "-c", commandLine), m.scratch(), SYSTEM_PATH, Duration.ofMinutes(1));
    }
}
