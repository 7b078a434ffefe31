package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A mount shared by several users: root mounts with --allow-other over a directory that two real
 * users write into. One of them, the intruder, also holds a handle into the backing directory
 * from before the mount (a process whose working directory it is), so it can change names under
 * the daemon at any moment without going through the mount. Whatever the intruder does, it gets
 * no more through the mount than in a plain directory: each race runs for as long in a plain
 * directory beside the mount at the same time, and each attribute case runs the same steps in a
 * plain directory, which gives the expected answer.
 */
class SharedMountTest {
    private static final int RACE_SECONDS = 10;
    private static final String PRECIOUS = "precious";

    private static TestUsers users;
    /** Owns the files the intruder is after. */
    private static TestUsers.User owner;
    private static TestUsers.User intruder;
    private static Path bin;
    private static Path namerace;

    @BeforeAll
    static void makeUsers() throws IOException {
        users = TestUsers.create(2);
        owner = users.get(0);
        intruder = users.get(1);
        // The test's own build directory may be closed to other users: the race program goes
        // where they can run it.
        Files.createDirectories(Dxfs.SHARED_WORK);
        chmod(Dxfs.SHARED_WORK, "rwxr-xr-x");
        bin = Files.createTempDirectory(Dxfs.SHARED_WORK, "bin-");
        chmod(bin, "rwxr-xr-x");
        namerace = Files.copy(NativePrograms.c("namerace"), bin.resolve("namerace"), StandardCopyOption.REPLACE_EXISTING);
        chmod(namerace, "rwxr-xr-x");
    }

    @AfterAll
    static void removeUsers() throws IOException {
        if (users != null) {
            users.close();
        }
        if (bin != null) {
            try (Stream<Path> walk = Files.walk(bin)) {
                walk.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    /**
     * The intruder makes a name a symlink to a root-only file (or to a name in a root-only
     * directory) and removes it again, in a loop, while opening that name through the mount with
     * O_CREAT: no open ever reaches a file of root's, and root's directory stays as it was, in a
     * staged path and in an excluded one alike. The plain directory shows that the race hits:
     * opens that meet the symlink fail with EACCES there, and must through the mount too; every
     * other open works (natively an O_CREAT never fails with ENOENT, for one).
     */
    @Test
    void aSymlinkSwappedInUnderACreateIsNeverFollowedWithRootsRights() throws IOException {
        try (MountedDir mounted = MountedDir.shared("shared-symlink");
                MountedDir plain = MountedDir.shared("shared-symlink-plain");
                NameRace race = new NameRace(namerace, RACE_SECONDS)) {
            Path mountedRootOnly = rootOnly(mounted);
            Path plainRootOnly = rootOnly(plain);
            chmod(mounted.dir(), "rwxrwxrwx");
            chmod(plain.dir(), "rwxrwxrwx");
            String flags = "wronly|creat|trunc,wronly|creat,rdwr|creat";
            String victim = mountedRootOnly.resolve("victim").toString();
            String planted = mountedRootOnly.resolve("planted").toString();
            race.start("mount swaps", intruder, mounted.dir(), "symlinks", "x", victim, planted);
            race.start("mount swaps excluded", intruder, mounted.dir(), "symlinks", "x.log", victim, planted);
            race.start("plain swaps", intruder, plain.dir(), "symlinks", "x", plainRootOnly.resolve("victim").toString(),
                    plainRootOnly.resolve("planted").toString());
            mounted.mount("--allow-other", "--exclude", "*.log");
            race.start("mount opens", intruder, mounted.dir(), "opens", mounted.dir().resolve("x").toString(), flags,
                    PRECIOUS);
            race.start("mount opens excluded", intruder, mounted.dir(), "opens",
                    mounted.dir().resolve("x.log").toString(), flags, PRECIOUS);
            race.start("plain opens", intruder, plain.dir(), "opens", plain.dir().resolve("x").toString(), flags,
                    PRECIOUS);
            Map<String, NameRace.Counts> counts = race.run();
            report("symlink swapped under a create", counts);

            for (String side : List.of("mount opens", "mount opens excluded", "plain opens")) {
                NameRace.Counts opens = counts.get(side);
                assertThat(opens.get("rootowned")).as("%s: root's files opened", opens).isZero();
                assertThat(opens.get("leaks")).as("%s: root's file read", opens).isZero();
                assertThat(opens.get("ok")).as("%s: opens that worked", opens).isPositive();
                assertThat(opens.get("EACCES")).as("%s: opens that met the symlink", opens).isPositive();
                assertThat(opens.get("ok") + opens.get("EACCES")).as("%s: no other answers", opens)
                        .isEqualTo(opens.get("opens"));
            }
            for (String side : List.of("mount swaps", "mount swaps excluded", "plain swaps")) {
                assertThat(counts.get(side).get("swaps")).as(side).isPositive();
            }
            assertUntouched(mountedRootOnly);
            assertUntouched(plainRootOnly);
        }
    }

    /**
     * An open with O_CREAT never fails with ENOENT, natively: the name is there or it is made.
     * Through the mount too, while other processes rename that name back and forth, through the
     * mount and in the backing directory.
     */
    @Test
    void aCreateNeverFailsWithEnoentWhileItsNameIsRenamed() throws IOException {
        try (MountedDir mounted = MountedDir.shared("shared-create-rename");
                MountedDir plain = MountedDir.shared("shared-create-rename-plain");
                NameRace race = new NameRace(namerace, RACE_SECONDS)) {
            chmod(mounted.dir(), "rwxrwxrwx");
            chmod(plain.dir(), "rwxrwxrwx");
            // Renames in the backing directory too: many more per second than through the mount.
            race.start("backing renames", intruder, mounted.dir(), "renames", "x", "y");
            mounted.mount("--allow-other");
            String flags = "wronly|creat,rdwr|creat,wronly|creat|trunc";
            for (MountedDir side : List.of(mounted, plain)) {
                String label = side == mounted ? "mount" : "plain";
                race.start(label + " renames", intruder, side.dir(), "renames", "x", "y");
                race.start(label + " opens", intruder, side.dir(), "opens", side.dir().resolve("x").toString(), flags,
                        "");
            }
            Map<String, NameRace.Counts> counts = race.run();
            report("create while the name is renamed", counts);

            for (String label : List.of("mount", "plain")) {
                NameRace.Counts opens = counts.get(label + " opens");
                assertThat(opens.get("ENOENT")).as("%s: creates that failed with ENOENT", opens).isZero();
                assertThat(opens.get("ok")).as("%s", opens).isEqualTo(opens.get("opens"));
                assertThat(counts.get(label + " renames").get("swaps")).as(label + " renames").isPositive();
            }
            assertThat(counts.get("backing renames").get("swaps")).as("backing renames").isPositive();
        }
    }

    /**
     * A directory only root may enter, holding a file of root's ("victim"); the symlinks point at
     * it and at a name there that does not exist ("planted").
     */
    private static Path rootOnly(MountedDir mounted) throws IOException {
        Path dir = Files.createDirectory(mounted.scratch().resolve("root-only"));
        chmod(dir, "rwx------");
        Path victim = Files.writeString(dir.resolve("victim"), PRECIOUS + "\n");
        chmod(victim, "rw-------");
        return dir;
    }

    private static void assertUntouched(Path rootOnly) throws IOException {
        try (Stream<Path> files = Files.list(rootOnly)) {
            assertThat(files.map(file -> file.getFileName().toString()).toList()).as("root's directory")
                    .containsExactly("victim");
        }
        Path victim = rootOnly.resolve("victim");
        assertThat(Files.readString(victim)).as("root's file").isEqualTo(PRECIOUS + "\n");
        assertThat(stat(victim)).as("root's file").isEqualTo("root root 600");
    }

    private static String stat(Path file) {
        return Run.of(List.of("stat", "-c", "%U %G %a", file.toString())).ok().out().trim();
    }

    private static void chmod(Path path, String permissions) {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void report(String race, Map<String, NameRace.Counts> counts) {
        System.out.println(race + " (" + RACE_SECONDS + " s):");
        counts.values().stream().map(Object::toString).sorted().forEach(line -> System.out.println("  " + line));
    }
}
