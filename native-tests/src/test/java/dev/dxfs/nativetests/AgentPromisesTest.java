package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the agent promises beyond when a write becomes visible: each {@link AgentPromises}
 * program runs without the agent and with it, and the plain JVM's outcome is the expected one,
 * except where the policy means to differ: a write that failed is never published.
 */
class AgentPromisesTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(1);
    private static final String NOBODY = "65534";
    private static final String NO_SPACE = "No space left on device";
    private static final int OLD_SIZE = 600 << 10;

    static Stream<Path> javas() {
        return AgentJvms.BOTH.stream();
    }

    static Stream<Arguments> fullDisk() {
        List<Arguments> all = new ArrayList<>();
        for (Path java : AgentJvms.BOTH) {
            for (String scenario : AgentPromises.FULL_DISK) {
                all.add(Arguments.of(scenario, java));
            }
        }
        return all.stream();
    }

    /**
     * Item 1. A 1 MiB disk holding a 600 KiB file, and a write of 1.5 MiB: without the agent the
     * write fails and leaves a partial file; with it the same write fails, the close fails too,
     * and the file is the old version, byte for byte, with nothing left beside it.
     */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("fullDisk")
    void aWriteThatFailsIsNeverPublished(String scenario, Path java) throws IOException {
        Outcome plain = onAFullDisk(java, scenario, false);
        Outcome staged = onAFullDisk(java, scenario, true);

        assertThat(plain.out()).as("without the agent the disk fills up").anyMatch(line -> line.contains(NO_SPACE));
        assertThat(staged.files()).as("the files: the old version only").isEqualTo(Map.of("f", staged.old()));
        assertThat(staged.leftovers()).as("staging leftovers").isEmpty();
        assertThat(staged.out()).last().isEqualTo("done");
        for (String line : staged.out().subList(0, staged.out().size() - 1)) {
            String step = line.substring(0, line.indexOf(':') + 1);
            String without = plain.out().stream().filter(other -> other.startsWith(step)).findFirst().orElseThrow();
            if (step.equals("open:") && line.contains(NO_SPACE)) {
                // An edit's temp file starts as a copy, which does not fit: the open fails as the JDK's would.
                assertThat(line).as("open").isIn("open: java.io.FileNotFoundException: DIR/f (" + NO_SPACE + ")",
                        "open: java.nio.file.FileSystemException: DIR/f: " + NO_SPACE);
            } else if (step.equals("close:")) {
                assertThat(line).as("the close reports the failed write").startsWith("close: java.io.IOException: ")
                        .contains(NO_SPACE);
            } else {
                assertThat(line).as("the step as without the agent").isEqualTo(without);
            }
        }
    }

    /**
     * Item 2. As a user who is not root: a file it may not write is refused at the open, with the
     * JVM's own exception; a file it may write but not replace by a rename (another user's, or
     * in a directory it cannot write) is written in place, as without the agent.
     */
    @ParameterizedTest(name = "on {0}")
    @MethodSource("javas")
    void permissionsAreTheJvmsOwn(Path java) throws IOException {
        Outcome plain = permissions(java, false);
        Outcome staged = permissions(java, true);

        assertThat(plain.out()).as("the test's teeth").contains(
                "FileOutputStream readonly: java.io.FileNotFoundException: DIR/readonly (Permission denied)",
                "FileOutputStream sealed/new: java.io.FileNotFoundException: DIR/sealed/new (Permission denied)");
        assertThat(staged.out()).as("what each step did").isEqualTo(plain.out());
        assertThat(staged.files()).as("the files, their modes and owners").isEqualTo(plain.files());
        assertThat(staged.leftovers()).as("staging leftovers").isEmpty();
    }

    /**
     * Item 9. With {@code strict=true}, a write that cannot be staged (a file of another user's,
     * of a group this user is not in, in a directory it cannot write) fails at its open, naming
     * why, and the file keeps its previous version; everything else is as without the agent.
     */
    @ParameterizedTest(name = "on {0}")
    @MethodSource("javas")
    void strictRefusesAWriteThatCannotBeStaged(Path java) throws IOException {
        Outcome plain = permissions(java, false);
        Path dir = permissionsFixture();
        Outcome strict = run(command(java, "permissions", dir, "root=" + dir + ",strict=true", true), dir);

        List<String> out = new ArrayList<>(plain.out());
        Map<String, String> files = new TreeMap<>(plain.files());
        WHY_NOT_STAGED.forEach((name, why) -> {
            out.set(out.indexOf("FileOutputStream " + name + ": ok"), "FileOutputStream " + name
                    + ": java.io.FileNotFoundException: DIR/" + name + " (not staged: " + why + ")");
            files.put(name, files.get(name).replaceFirst("^new ", "old "));
        });
        assertThat(strict.out()).as("what each step did").isEqualTo(out);
        assertThat(strict.files()).as("the files, their modes and owners").isEqualTo(files);
        assertThat(strict.leftovers()).as("staging leftovers").isEmpty();
    }

    /** Why the agent cannot stage the writes of {@link #permissions} that go in place. */
    private static final Map<String, String> WHY_NOT_STAGED = Map.of(
            "others", "it belongs to another user, and a file this JVM makes would be its own",
            "group", "its group is not one of this user's",
            "sealed/mine", "its directory is not writable, so it cannot be replaced");

    /** Item 3. A channel's requested mode, masked by the umask, as the JDK applies it. */
    @ParameterizedTest(name = "on {0}")
    @MethodSource("javas")
    void aNewFileGetsTheModeItAskedFor(Path java) throws IOException {
        Outcome plain = run(java, "requested mode", fixture(), false, false);
        Outcome staged = run(java, "requested mode", fixture(), true, false);

        assertThat(plain.files()).as("the test's teeth").containsEntry("g", "new rw------- 0:0");
        assertThat(staged.out()).isEqualTo(plain.out());
        assertThat(staged.files()).isEqualTo(plain.files());
        assertThat(staged.leftovers()).isEmpty();
    }

    /**
     * Item 3. In a setgid directory of another group a new file gets the directory's group and a
     * rewritten one keeps its own, as without the agent: the staging directory the agent makes
     * there is not setgid, so its temp files have the JVM's group, which the agent counts on.
     */
    @ParameterizedTest(name = "on {0}")
    @MethodSource("javas")
    void aSetgidDirectorysGroupIsTheNewFilesAndNotTheRewrittenOnes(Path java) throws IOException {
        Outcome plain = run(java, "setgid directory", setgidFixture(), false, false);
        Outcome staged = run(java, "setgid directory", setgidFixture(), true, false);

        assertThat(plain.files().get("f")).as("the test's teeth: the rewritten file's group").startsWith("new ")
                .endsWith(" 0:0");
        assertThat(plain.files().get("g")).as("the test's teeth: the new file's group").startsWith("new ")
                .endsWith(" 0:" + NOBODY);
        assertThat(staged.out()).isEqualTo(plain.out());
        assertThat(staged.files()).isEqualTo(plain.files());
        assertThat(staged.leftovers()).isEmpty();
    }

    /** {@link #fixture}, setgid and of nobody's group. */
    private static Path setgidFixture() throws IOException {
        Path dir = fixture();
        Files.setAttribute(dir, "unix:gid", Integer.parseInt(NOBODY));
        Files.setAttribute(dir, "unix:mode", 02755);
        return dir;
    }

    /**
     * Item 4. A file open for writing, new or not, deleted or renamed by its writer: the name and
     * what it holds end as without the agent (the writes after a delete vanish; after a rename
     * they land in the renamed file), and so does what each call returns.
     */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("deleteAndRename")
    void aFileOpenForWritingCanBeDeletedAndRenamed(String scenario, Path java) throws IOException {
        Outcome plain = run(java, scenario, fixture(), false, false);
        Outcome staged = run(java, scenario, fixture(), true, false);

        assertThat(staged.out()).as("what each step did and saw").isEqualTo(plain.out());
        assertThat(staged.files()).isEqualTo(plain.files());
        assertThat(staged.leftovers()).isEmpty();
    }

    static Stream<Arguments> deleteAndRename() {
        List<Arguments> all = new ArrayList<>();
        for (Path java : AgentJvms.BOTH) {
            all.add(Arguments.of("delete", java));
            all.add(Arguments.of("rename", java));
        }
        return all.stream();
    }

    /**
     * Item 5. A writer killed while its write is open leaves its temp file (and never publishes:
     * a half-written file must not replace a whole one); the next JVM with the agent on that
     * root removes it, and the staging directory with it.
     */
    @ParameterizedTest(name = "on {0}")
    @MethodSource("javas")
    void aKilledWritersTempFileIsRemovedAtTheNextStart(Path java) throws IOException {
        Path dir = fixture();
        try (BackgroundProcess writer = BackgroundProcess.start(command(java, "hold open", dir, true, false), dir,
                Map.of())) {
            writer.awaitLine("open");
        }
        assertThat(leftovers(dir)).as("the killed writer's temp file").hasSize(1);

        Outcome next = run(java, "nothing", dir, true, false);

        assertThat(dir.resolve(".dxfs")).as("the staging directory").doesNotExist();
        assertThat(next.files()).isEqualTo(Map.of("f", "old rw-r----- 0:0"));
    }

    /** Item 5. A jar made of a root's files once the tools that wrote them are done: their files only. */
    @ParameterizedTest(name = "on {0}")
    @MethodSource("javas")
    void aJarOfARootHoldsOnlyTheToolsFiles(Path java) throws IOException {
        List<String> plain = jarOfClasses(java, false);
        List<String> staged = jarOfClasses(java, true);

        assertThat(plain).as("the test's teeth").contains("app/A.class");
        assertThat(staged).isEqualTo(plain);
    }

    private static List<String> jarOfClasses(Path java, boolean agent) throws IOException {
        Path dir = fixture();
        Path classes = Files.createDirectory(dir.resolve("classes"));
        run(java, "write classes", classes, agent, false);
        Path jar = dir.resolve("app.jar");
        Run.of(List.of(java.resolve("jar").toString(), "cf", jar.toString(), "-C", classes.toString(), "."), dir,
                Map.of(), TIMEOUT).ok();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return zip.stream().map(ZipEntry::getName).sorted().toList();
        }
    }

    /**
     * Item 6. A root given through a symlink, and writes through symlinks (a symlinked directory,
     * a symlink to a file, a dangling one): staged all the same, so another process sees the
     * previous version while each is open, and the files end as without the agent.
     */
    @ParameterizedTest(name = "on {0}")
    @MethodSource("javas")
    void aRootOrAPathReachedThroughASymlinkIsStaged(Path java) throws IOException {
        Outcome plain = throughSymlinks(java, null);
        assertThat(plain.out()).as("the test's teeth").contains("link/f while open: new", "real/g while open: new");
        for (String root : List.of("link", "real")) {
            Outcome staged = throughSymlinks(java, root);

            assertThat(staged.out()).as("with root=%s", root).isEqualTo(plain.out().stream()
                    .map(line -> line.replace("link/f while open: new", "link/f while open: old")
                            .replace("real/g while open: new", "real/g while open: absent")
                            .replace("link/s while open: new", "link/s while open: old")
                            .replace("real/d while open: new", "real/d while open: absent"))
                    .toList());
            assertThat(staged.files()).as("with root=%s", root).isEqualTo(plain.files());
        }
    }

    /** The symlinks scenario in a fresh directory: real/ holding f and s (to f3), link (to real), and real/d dangling. */
    private static Outcome throughSymlinks(Path java, String root) throws IOException {
        Path dir = Files.createTempDirectory(work(), "symlinks-");
        Path real = Files.createDirectory(dir.resolve("real"));
        Files.writeString(real.resolve("f"), "old");
        Files.writeString(real.resolve("f3"), "old");
        Files.createSymbolicLink(real.resolve("s"), Path.of("f3"));
        Files.createSymbolicLink(real.resolve("d"), Path.of("d-target"));
        Files.createSymbolicLink(dir.resolve("link"), Path.of("real"));
        return run(command(java, "symlinks", dir, root == null ? null : "root=" + dir.resolve(root), false), dir);
    }

    /**
     * Item 8. The JVM that writes a file sees what it wrote, as without the agent: its size,
     * time and existence, reads through every kind of stream and channel, a second writer of the
     * same file (two {@code RandomAccessFile} editors, a stream and an append, a stream or a
     * channel and a truncating channel) writing the same version; other processes still see the previous version until the last close.
     */
    @ParameterizedTest(name = "on {0}")
    @MethodSource("javas")
    void theWritingJvmSeesWhatItWrote(Path java) throws IOException {
        Outcome plain = run(java, "own view", fixture(), false, false);
        Outcome staged = run(java, "own view", fixture(), true, false);

        assertThat(plain.out()).as("the test's teeth").contains("another process sees f: new",
                "g File.length: 9", "h: A1234B6789", "i: new+appended", "j: then", "k: then");
        assertThat(staged.out()).isEqualTo(plain.out().stream()
                .map(line -> line.replace("another process sees f: new", "another process sees f: old")).toList());
        assertThat(staged.files()).isEqualTo(plain.files());
        assertThat(staged.leftovers()).isEmpty();
    }

    /**
     * Item 7. JDK 17's SecurityManager, with a policy that lets the program write in {@code
     * open/} only. With the agent's jar granted all permissions, the agent stages the writes the
     * program may make, and refuses the others with the JDK's own exception; with a policy that
     * does not grant the agent's jar, the program runs on without the agent, after one line.
     */
    @Test
    void underASecurityManagerTheAgentStagesWhatThePolicyAllowsOnly() throws IOException {
        Outcome plain = underASecurityManager(false, false);
        assertThat(plain.out()).as("the test's teeth").contains("open/f while open: new",
                "File.length writeonly/f while open: java.security.AccessControlException: access denied "
                        + "(\"java.io.FilePermission\" \"DIR/writeonly/f\" \"read\")").anySatisfy(line -> assertThat(
                line).startsWith("FileOutputStream closed/f: java.security.AccessControlException: access denied"));

        Outcome granted = underASecurityManager(true, true);
        assertThat(granted.out()).isEqualTo(plain.out().stream()
                .map(line -> line.replace("open/f while open: new", "open/f while open: absent")).toList());
        assertThat(granted.files()).isEqualTo(plain.files());
        assertThat(granted.leftovers()).isEmpty();

        Outcome notGranted = underASecurityManager(true, false);
        assertThat(notGranted.out()).isEqualTo(plain.out());
        assertThat(notGranted.files()).isEqualTo(plain.files());
    }

    /** The security manager program on JDK 17, with the agent or not, under a policy that grants the agent's jar or not. */
    private static Outcome underASecurityManager(boolean agent, boolean agentGranted) throws IOException {
        Path dir = fixture();
        Files.createDirectory(dir.resolve("open"));
        Files.createDirectory(dir.resolve("writeonly"));
        Files.writeString(Files.createDirectory(dir.resolve("closed")).resolve("f"), "old");
        String program = "grant codeBase \"" + AgentJvms.testClasses().toUri() + "\" {\n"
                + "  permission java.io.FilePermission \"" + dir + "/closed/-\", \"read\";\n"
                + "  permission java.io.FilePermission \"" + dir + "/open/-\", \"read,write,delete\";\n"
                + "  permission java.io.FilePermission \"" + dir + "/writeonly/-\", \"write\";\n"
                + "  permission java.io.FilePermission \"<<ALL FILES>>\", \"execute\";\n"
                + "  permission java.io.FilePermission \"/dev/null\", \"write\";\n};\n";
        String agentGrant = "grant codeBase \"" + AgentJvms.AGENT.toUri() + "\" {\n"
                + "  permission java.security.AllPermission;\n};\n";
        Path policy = Files.createTempFile(work(), "agent-", ".policy");
        Files.writeString(policy, program + (agentGranted ? agentGrant : ""));
        List<String> command = new ArrayList<>(List.of(AgentJvms.JDK_17.resolve("java").toString(),
                "-Djava.security.manager", "-Djava.security.policy==" + policy));
        if (agent) {
            command.add("-javaagent:" + AgentJvms.AGENT + "=root=" + dir);
        }
        command.addAll(List.of("-cp", AgentJvms.testClasses().toString(), AgentPromises.class.getName(),
                "security manager", dir.toString()));
        Run run = Run.of(command, dir, Map.of(), TIMEOUT).ok();
        if (agent && !agentGranted) {
            assertThat(run.err()).as("stderr").contains(
                    "dxfs-agent: the security policy does not grant the agent's jar what it needs");
        }
        return new Outcome(run.out().lines().toList(), files(dir), leftovers(dir), null);
    }

    /** What a program printed, the files it left (path: content, mode, owner), and the agent's leftovers. */
    private record Outcome(List<String> out, Map<String, String> files, List<String> leftovers, String old) {}

    private static Outcome onAFullDisk(Path java, String scenario, boolean agent) throws IOException {
        Path dir = Files.createTempDirectory(work(), "full-");
        try (Tmpfs disk = Tmpfs.at(dir, "1m")) {
            byte[] old = new byte[OLD_SIZE];
            new Random(OLD_SIZE).nextBytes(old);
            Path f = dir.resolve("f");
            Files.write(f, old);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
            String expected = describe(f);
            Outcome outcome = run(java, scenario, dir, agent, false);
            return new Outcome(outcome.out(), outcome.files(), outcome.leftovers(), expected);
        }
    }

    private static Outcome permissions(Path java, boolean agent) throws IOException {
        return run(java, "permissions", permissionsFixture(), agent, true);
    }

    /** Files of root's, of nobody's and of root's group, and a directory nobody cannot write. */
    private static Path permissionsFixture() throws IOException {
        Path dir = fixture();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        file(dir.resolve("readonly"), "r--r--r--", 0, 0);
        file(dir.resolve("others"), "rw-rw-rw-", 0, 0);
        file(dir.resolve("group"), "rw-rw-r--", 65534, 0);
        file(dir.resolve("own"), "rw-r-----", 65534, 65534);
        Path sealed = Files.createDirectory(dir.resolve("sealed"));
        file(sealed.resolve("mine"), "rw-rw-rw-", 65534, 65534);
        Files.setPosixFilePermissions(sealed, PosixFilePermissions.fromString("r-xr-xr-x"));
        return dir;
    }

    private static void file(Path path, String mode, int uid, int gid) throws IOException {
        Files.writeString(path, "old");
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
        Files.setAttribute(path, "unix:uid", uid);
        Files.setAttribute(path, "unix:gid", gid);
    }

    /** Runs {@code scenario} on {@code dir} with the agent (its root there) or without, as root or as nobody. */
    private static Outcome run(Path java, String scenario, Path dir, boolean agent, boolean asNobody)
            throws IOException {
        return run(command(java, scenario, dir, agent ? "root=" + dir : null, asNobody), dir);
    }

    private static Outcome run(List<String> command, Path dir) throws IOException {
        Run run = Run.of(command, dir, Map.of(), TIMEOUT).ok();
        return new Outcome(run.out().lines().toList(), files(dir), leftovers(dir), null);
    }

    private static List<String> command(Path java, String scenario, Path dir, boolean agent, boolean asNobody) {
        return command(java, scenario, dir, agent ? "root=" + dir : null, asNobody);
    }

    /** The command that runs {@code scenario} on {@code dir}, with the agent and its {@code options} unless they are null. */
    private static List<String> command(Path java, String scenario, Path dir, String options, boolean asNobody) {
        List<String> command = new ArrayList<>();
        if (asNobody) {
            command.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        }
        command.addAll(List.of(java.resolve("java").toString(), "-XX:-UsePerfData"));
        if (options != null) {
            command.add("-javaagent:" + AgentJvms.AGENT + "=" + options);
        }
        command.addAll(List.of("-cp", AgentJvms.testClasses().toString(), AgentPromises.class.getName(), scenario,
                dir.toString()));
        return command;
    }

    /** A fresh directory holding {@code f} ("old", 0640). */
    private static Path fixture() throws IOException {
        Path dir = Files.createTempDirectory(work(), "promise-");
        Path f = dir.resolve("f");
        Files.writeString(f, "old");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        return dir;
    }

    private static Path work() throws IOException {
        return Files.createDirectories(Dxfs.WORK);
    }

    /** Every file and directory under {@code dir} but the staging directory, described. */
    private static Map<String, String> files(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : walk.filter(path -> !path.equals(dir)).toList()) {
                String relative = dir.relativize(path).toString();
                if (!relative.equals(".dxfs") && !relative.startsWith(".dxfs/")) {
                    files.put(relative, describe(path));
                }
            }
        }
        return files;
    }

    private static String describe(Path path) throws IOException {
        if (Files.isSymbolicLink(path)) {
            return "symlink to " + Files.readSymbolicLink(path);
        }
        String owner = " " + Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS) + ":"
                + Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            return "directory " + mode + owner;
        }
        byte[] content = Files.readAllBytes(path);
        String shown = content.length <= 16 ? new String(content) : content.length + " bytes " + digest(content);
        return shown + " " + mode + owner;
    }

    private static String digest(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The entries of the staging directory at the root, if there is one. */
    private static List<String> leftovers(Path dir) throws IOException {
        Path staging = dir.resolve(".dxfs");
        if (!Files.isDirectory(staging)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(staging)) {
            return list.map(path -> path.getFileName().toString()).toList();
        }
    }
}
