package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every command with wrong, missing or hostile values: one error line (naming the path when
 * there is one), a non-zero exit, nothing mounted and nothing changed. A live mount and a stale
 * one: {@link MountLifecycleTest}.
 */
class BadInputTest {
    /** The places a case can name, all in one fresh test directory that is never mounted. */
    record Places(Path root, Path dir, Path file, Path missing, Path unreadable) {}

    /**
     * One bad invocation: the command line (run by {@code sh -c}, so that a case can pass bytes
     * that are not UTF-8), and what its error line says.
     */
    record Case(String name, Function<Places, String> script, Function<Places, String> says) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("mount without DIR", p -> "dxfs mount", p -> "Missing required parameter: 'DIR'"),
                new Case("mount ''", p -> "dxfs mount ''", p -> "the directory argument is empty"),
                new Case("mount /", p -> "dxfs mount /", p -> "refusing to mount over /"),
                new Case("mount a missing directory", p -> "dxfs mount '" + p.missing() + "'",
                        p -> p.missing() + " does not exist"),
                new Case("mount a relative missing directory", p -> "dxfs mount 'missing dir/..//x'",
                        p -> p.root().resolve("x") + " does not exist"),
                new Case("mount a file", p -> "dxfs mount '" + p.file() + "'", p -> p.file() + " is not a directory"),
                new Case("mount a name that is not UTF-8", p -> "dxfs mount \"$(printf 'bad\\377')\"", p -> p.root().resolve("bad\uFFFD") + ": the name is not valid UTF-8"),
                new Case("mount an unreadable directory as another user", p -> "setpriv --reuid=65534 --regid=65534 "
                        + "--clear-groups env HOME=/nonexistent dxfs mount '" + p.unreadable() + "'",
                        p -> p.unreadable() + " is not readable"),
                new Case("mount with a bad glob", p -> "dxfs mount --include '[' '" + p.dir() + "'", p -> "invalid glob"),
                new Case("mount with an option missing its value", p -> "dxfs mount --include",
                        p -> "Missing required parameter for option '--include'"),
                new Case("mount with an unknown option", p -> "dxfs mount --bogus '" + p.dir() + "'",
                        p -> "Unknown option: '--bogus'"),
                new Case("mount two directories", p -> "dxfs mount '" + p.dir() + "' '" + p.dir() + "'",
                        p -> "Unmatched argument"),
                new Case("unmount without DIR", p -> "dxfs unmount", p -> "Missing required parameter: 'DIR'"),
                new Case("unmount ''", p -> "dxfs unmount ''", p -> "the directory argument is empty"),
                new Case("unmount what is not mounted", p -> "dxfs unmount '" + p.dir() + "'",
                        p -> p.dir() + " is not mounted"),
                new Case("unmount a missing directory", p -> "dxfs unmount --force '" + p.missing() + "'",
                        p -> p.missing() + " is not mounted"),
                new Case("unmount /", p -> "dxfs unmount --force /", p -> "/ is not a dxfs mount"),
                new Case("status ''", p -> "dxfs status ''", p -> "the directory argument is empty"),
                new Case("status of a missing directory", p -> "dxfs status '" + p.missing() + "'",
                        p -> p.missing() + " does not exist"),
                new Case("status of a file", p -> "dxfs status '" + p.file() + "'", p -> p.file() + " is not a directory"),
                new Case("mount /proc", p -> "dxfs mount /proc",
                        p -> "refusing to mount over /proc: it is on proc, the kernel's view of itself"),
                new Case("mount a directory of /sys", p -> "dxfs mount /sys/kernel",
                        p -> "refusing to mount over /sys/kernel: it is on sysfs"),
                new Case("mount the staging directory's name", p -> "dxfs mount '" + p.dir() + "/.dxfs'",
                        p -> "refusing to mount over " + p.dir() + "/.dxfs: dxfs keeps the name .dxfs for its staging "
                                + "directories: mount " + p.dir() + " itself"),
                new Case("mount with a state directory under a file", p -> "XDG_STATE_HOME='" + p.file()
                        + "' dxfs mount '" + p.dir() + "'", p -> "cannot write the daemon's log in " + p.file()
                        + "/dxfs: Not a directory: XDG_STATE_HOME (" + p.file() + ") must name a directory this user "
                        + "can write"),
                new Case("mount with a missing state directory that cannot be made", p -> "XDG_STATE_HOME=/proc/none "
                        + "dxfs mount '" + p.dir() + "'", p -> "cannot write the daemon's log in /proc/none/dxfs: No such "
                        + "file or directory: XDG_STATE_HOME (/proc/none) must name"),
                new Case("mount with a log cap of 0", p -> "dxfs mount --log-max-size 0 '" + p.dir() + "'",
                        p -> "--log-max-size 0 is too small: the log would be rolled over at nearly every line; give at "
                                + "least 4KB"),
                new Case("mount with a log cap of 0KB", p -> "dxfs mount --log-max-size 0KB '" + p.dir() + "'",
                        p -> "--log-max-size 0KB is too small"),
                new Case("run with a log cap of 1 byte", p -> "dxfs run --log-max-size 1 '" + p.dir() + "' -- true",
                        p -> "--log-max-size 1 is too small"),
                new Case("run without a command", p -> "dxfs run '" + p.dir() + "'",
                        p -> "Missing required parameter: 'COMMAND'"),
                new Case("run in a missing directory", p -> "dxfs run '" + p.missing() + "' -- true",
                        p -> p.missing() + " does not exist"),
                new Case("run over /", p -> "dxfs run / -- true", p -> "refusing to mount over /"),
                new Case("attach to a PID that is not a number", p -> "dxfs attach abc", p -> "'abc' is not a long"),
                new Case("attach to no process", p -> "dxfs attach 2147483646",
                        p -> "cannot attach to process 2147483646"),
                new Case("demo with one instance", p -> "dxfs demo --instances 1", p -> "--instances of at least 2"),
                new Case("demo with a count that is not a number", p -> "dxfs demo --rounds x", p -> "'x' is not an int"),
                new Case("an unknown command", p -> "dxfs bogus", p -> "Unmatched argument at index 0: 'bogus'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aBadInvocationGivesOneErrorLineAndChangesNothing(Case bad) {
        try (MountedDir m = MountedDir.create("bad-input")) {
            Places places = places(m);
            String treeBefore = tree(places.root());
            List<String> mountsBefore = dxfsMountsAt(places.root());

            Run run = Run.of(List.of("sh", "-c", bad.script().apply(places)), places.root(),
                    Map.of("PATH", Dxfs.LAUNCHER.getParent() + ":" + System.getenv("PATH")), Duration.ofMinutes(2));

            assertThat(run.exit()).as(run.toString()).isNotZero();
            assertThat(run.out()).as(run.toString()).isEmpty();
            assertThat(run.err().strip().lines().toList()).as(run.toString()).hasSize(1);
            assertThat(run.err()).as(run.toString()).startsWith("dxfs: ").contains(bad.says().apply(places));
            assertThat(dxfsMountsAt(places.root())).as("dxfs mounts").isEqualTo(mountsBefore);
            assertThat(tree(places.root())).as("the files").isEqualTo(treeBefore);
        }
    }

    @Test
    void namesWithSpacesAndNonAsciiLettersAreMountedLikeAnyOther() throws IOException {
        try (MountedDir m = MountedDir.create("odd-names")) {
            Path dir = Files.createDirectory(m.dir().resolve("with space é"));
            Dxfs.run("mount", dir.toString()).ok();
            try {
                assertThat(Dxfs.run("status", dir.toString()).ok().out()).contains("\"mounted\":true");
                Files.writeString(dir.resolve("file"), "through the mount");
            } finally {
                Dxfs.run("unmount", dir.toString()).ok();
            }
            assertThat(Dxfs.run("status", dir.toString()).ok().out()).contains("\"mounted\":false");
            assertThat(Files.readString(dir.resolve("file"))).isEqualTo("through the mount");
        }
    }

    private static Places places(MountedDir m) {
        return Unchecked.call(() -> {
            Path root = m.dir().getParent().getParent();
            // Another user must reach the unreadable directory to be refused for reading it.
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path file = Files.writeString(root.resolve("a file"), "not a directory");
            Path unreadable = Files.createDirectory(root.resolve("unreadable"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("---------")));
            Run.of(List.of("sh", "-c", "mkdir \"$(printf 'bad\\377')\""), root, Map.of(), Duration.ofMinutes(1)).ok();
            return new Places(root, m.dir(), file, root.resolve("missing"), unreadable);
        });
    }

    /** Every path below {@code root} with its size and modification time, names as raw bytes. */
    private static String tree(Path root) {
        return Run.of(List.of("find", root.toString(), "-printf", "%P %s %T@\\n")).ok().out();
    }

    /** The dxfs mounts at / or below {@code root}. */
    private static List<String> dxfsMountsAt(Path root) {
        return Unchecked.call(() -> Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.ISO_8859_1))
                .stream()
                .filter(line -> line.contains(" - fuse.dxfs "))
                .map(line -> line.split(" ")[4])
                .filter(point -> point.equals("/") || point.startsWith(root.toString()))
                .toList();
    }
}
