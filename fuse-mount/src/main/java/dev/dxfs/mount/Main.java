package dev.dxfs.mount;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The dxfs command line. */
@Command(name = "dxfs", mixinStandardHelpOptions = true, version = Main.VERSION,
        customSynopsis = {"dxfs [-hV] COMMAND",
            "       dxfs SOURCE MOUNTPOINT [-f] [-d] [-o OPTION[,OPTION...]]"},
        description = "Mounts a FUSE overlay over a build output directory, in place. Every rewrite of a file is written to a private temp file and published by an atomic rename when the writer closes it: readers see whole versions, running executables keep running, concurrent writers never tear a file, and nobody gets ETXTBSY or EPERM for replacing a busy executable.",
        subcommands = {MountCommand.class, UnmountCommand.class, RunCommand.class, StatusCommand.class,
            AttachCommand.class, DemoCommand.class, DaemonCommand.class},
        footer = {"", "Examples:",
            "  dxfs mount target/dx              mount over target/dx, in place",
            "  dxfs run target/dx -- dx serve    mount, run the command, unmount",
            "  dxfs status target/dx             the mount's counters, as JSON",
            "  dxfs unmount target/dx            unmount once nothing is open in it",
            "  dxfs attach 4242 root=target      stage the writes of a running JVM",
            "  dxfs demo                         the dx serve race, without and with dxfs",
            "  mount -t fuse.dxfs DIR DIR -o fsync",
            "                                    the second form, run by mount(8) and fstab",
            "",
            "Each command's help: dxfs COMMAND --help",
            "The second form's:   dxfs DIR DIR --help",
            "The manual:          man dxfs"})
public final class Main implements Runnable {
    static final String VERSION = "dxfs 0.1.0";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        CommandLine commands = commandLine();
        System.exit(FuseInvocation.isOne(args, commands.getSubcommands().keySet())
                ? FuseInvocation.commandLine().execute(args)
                : commands.execute(args));
    }

    static CommandLine commandLine() {
        return reportingCliErrors(new CommandLine(new Main()));
    }

    /**
     * A {@link CliException} is one line on stderr and exit status 1 (or the command's own status
     * for its failures), not a stack trace; a usage error is one line too, not the whole help.
     */
    static CommandLine reportingCliErrors(CommandLine commandLine) {
        return commandLine.setParameterExceptionHandler(new UsageErrors()).setExecutionExceptionHandler((e, failed, parsed) -> {
            if (e instanceof CliException) {
                failed.getErr().println("dxfs: " + e.getMessage());
                return failed.getCommandSpec().exitCodeOnExecutionException();
            }
            throw e;
        });
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
