package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The help of every command, and errors that say what is wrong where and how to fix it. */
class HelpTest {

    @Test
    void everyCommandsHelpEndsWithExamplesOfItself() {
        Run main = Dxfs.run("--help").ok();
        assertThat(main.out()).contains("dxfs SOURCE MOUNTPOINT").contains("Examples:");
        List<String> commands = commandsListed(main.out());
        assertThat(commands).contains("mount", "unmount", "run", "status", "attach", "demo");
        for (String command : commands) {
            String help = Dxfs.run(command, "--help").ok().out();
            assertThat(help).as("dxfs %s --help", command).startsWith("Usage: dxfs " + command);
            assertThat(help.substring(help.indexOf("Examples:")))
                    .as("dxfs %s --help has examples of %s", command, command)
                    .contains("\n  dxfs " + command + " ");
        }
        String fuseForm = Dxfs.run("/srv", "/srv", "--help").ok().out();
        assertThat(fuseForm).contains("Examples:").contains("mount -t fuse.dxfs");
    }

    /**
     * Without a loadable libfuse 2 the default transport, which needs none, mounts; a mount on
     * libfuse's transport names what is missing and the fix.
     */
    @Test
    void aMissingLibfuseIsNamedWithTheFixWhereItIsNeeded() throws Exception {
        try (MountedDir m = MountedDir.create("nolibfuse")) {
            // The library the dynamic linker would load is made unloadable, for this script only.
            Run run = MountNamespace.run(m.scratch(), Dxfs.LAUNCHER, m.dir(), String.join("\n",
                    "lib=$(readlink -f \"$(ldconfig -p | awk '/libfuse\\.so\\.2 /{print $NF; exit}')\")",
                    "mount --bind /dev/null \"$lib\"",
                    "echo \"$lib\"",
                    "dxfs mount " + m.dir(),
                    "dxfs unmount " + m.dir(),
                    "dxfs mount --transport libfuse " + m.dir()));
            assertThat(run.exit()).as("%s", run).isEqualTo(1);
            List<String> out = run.out().lines().toList();
            String library = out.get(0);
            assertThat(Path.of(library).getFileName().toString()).startsWith("libfuse.so.2");
            assertThat(out).as("the default transport's mount").contains("dxfs: mounted over " + m.dir());
            assertThat(run.err().trim()).matches("dxfs: cannot mount .*: libfuse 2 is missing or broken \\(.*"
                    + Pattern.quote(Path.of(library).getFileName().toString())
                    + ".*\\): apt-get install --reinstall fuse libfuse2");
            assertThat(Files.list(m.dir())).isEmpty();
        }
    }

    /** The names in the "Commands:" section of the main help. */
    private static List<String> commandsListed(String help) {
        List<String> names = new ArrayList<>();
        String section = help.substring(help.indexOf("Commands:"));
        section = section.substring(0, section.indexOf("\n\n"));
        Matcher matcher = Pattern.compile("(?m)^  ([a-z]+)[ ,]").matcher(section);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }
}
