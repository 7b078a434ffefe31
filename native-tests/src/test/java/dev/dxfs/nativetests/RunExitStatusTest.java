package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code dxfs run}'s exit status tells a script what happened, as a shell's, env(1)'s and
 * timeout(1)'s do: 127 for a command not found, 126 for one that cannot be run, 125 for dxfs's
 * own failures, and otherwise the command's own status; the mount is gone in every case.
 */
class RunExitStatusTest {
    @Test
    void aCommandNotFoundExits127WithOneLineSayingSo() {
        try (MountedDir m = MountedDir.create("run-127")) {
            Run run = Dxfs.run("run", m.dir().toString(), "--", "dxfs-no-such-command", "arg");
            assertStatusAndLine(run, 127, "dxfs: dxfs-no-such-command: command not found");
            Path nothing = m.scratch().resolve("nothing");
            assertStatusAndLine(Dxfs.run("run", m.dir().toString(), "--", nothing.toString()), 127,
                    "dxfs: " + nothing + ": No such file or directory");
            assertThat(Dxfs.mountType(m.dir())).isNull();
        }
    }

    @Test
    void aFileThatIsNotExecutableOrADirectoryExits126WithOneLineSayingWhy() throws Exception {
        try (MountedDir m = MountedDir.create("run-126")) {
            Path script = Files.writeString(m.scratch().resolve("script.sh"), "echo never\n");
            assertStatusAndLine(Dxfs.run("run", m.dir().toString(), "--", script.toString()), 126,
                    "dxfs: " + script + ": Permission denied");
            Path directory = m.scratch();
            assertStatusAndLine(Dxfs.run("run", m.dir().toString(), "--", directory.toString()), 126,
                    "dxfs: " + directory + ": Permission denied");
            assertThat(Dxfs.mountType(m.dir())).isNull();
        }
    }

    @Test
    void theCommandsStatusIsPassedThroughAnd128PlusNWhenSignalNKilledIt() {
        try (MountedDir m = MountedDir.create("run-status")) {
            assertThat(Dxfs.run("run", m.dir().toString(), "--", "true").exit()).isZero();
            assertThat(Dxfs.run("run", m.dir().toString(), "--", "sh", "-c", "exit 1").exit()).isEqualTo(1);
            assertThat(Dxfs.run("run", m.dir().toString(), "--", "sh", "-c", "exit 125").exit()).isEqualTo(125);
            assertThat(Dxfs.run("run", m.dir().toString(), "--", "sh", "-c", "kill -TERM $$").exit()).isEqualTo(128 + 15);
            assertThat(Dxfs.run("run", m.dir().toString(), "--", "sh", "-c", "kill -KILL $$").exit()).isEqualTo(128 + 9);
            assertThat(Dxfs.mountType(m.dir())).isNull();
        }
    }

    @Test
    void dxfsOwnFailuresExit125() {
        try (MountedDir m = MountedDir.create("run-125")) {
            Path missing = m.scratch().resolve("missing");
            Run notThere = Dxfs.run("run", missing.toString(), "--", "true");
            assertThat(notThere.exit()).as(notThere.toString()).isEqualTo(125);
            assertThat(notThere.err()).startsWith("dxfs: " + missing + " does not exist");
            Run noCommand = Dxfs.run("run", m.dir().toString());
            assertThat(noCommand.exit()).as(noCommand.toString()).isEqualTo(125);
            assertThat(Dxfs.mountType(m.dir())).isNull();
        }
    }

    @Test
    void theHelpListsTheExitStatuses() {
        String help = Dxfs.run("run", "--help").ok().out();
        assertThat(help.substring(help.indexOf("Exit status:")))
                .containsPattern("\\n  125 +dxfs itself failed")
                .containsPattern("\\n  126 +COMMAND was found but could not be run")
                .containsPattern("\\n  127 +COMMAND was not found")
                .containsPattern("\\n  128\\+N +dxfs run received signal N")
                .contains("COMMAND's status");
    }

    private static void assertStatusAndLine(Run run, int status, String line) {
        assertThat(run.exit()).as(run.toString()).isEqualTo(status);
        assertThat(run.err().strip()).as(run.toString()).isEqualTo(line);
    }
}
