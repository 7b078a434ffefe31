package dev.dxfs.mount;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The dxfs command line. */
@Command(name = "dxfs", mixinStandardHelpOptions = true, version = "dxfs 0.1.0",
        description = "Mounts a FUSE overlay over a build output directory, in place. Every rewrite of a file is written to a private temp file and published by an atomic rename when the writer closes it: readers see whole versions, running executables keep running, concurrent writers never tear a file, and nobody gets ETXTBSY or EPERM for replacing a busy executable.",
        subcommands = {MountCommand.class, UnmountCommand.class, RunCommand.class, StatusCommand.class,
            AttachCommand.class, DemoCommand.class, DaemonCommand.class},
        footer = {"", "Examples:",
            "  dxfs mount target/dx            mount over target/dx until 'dxfs unmount target/dx'",
            "  dxfs run target/dx -- dx serve  mount, run the command inside, unmount",
            "  dxfs status target/dx           counters of the mount as JSON",
            "  dxfs attach 4242 root=target    stage the writes of a running JVM (the Java agent)",
            "  dxfs demo                       the dx serve race, on a plain directory and on dxfs"})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Main()).setParameterExceptionHandler(new UsageErrors()).setExecutionExceptionHandler((e, commandLine, parsed) -> {
            if (e instanceof CliException) {
                commandLine.getErr().println("dxfs: " + e.getMessage());
                return 1;
            }
            throw e;
        });
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
