package dev.dxfs.mount;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The dxfs command line. */
@Command(name = "dxfs", mixinStandardHelpOptions = true, version = Main.VERSION,
        customSynopsis = {"dxfs [-hV] COMMAND",
            "       dxfs SOURCE MOUNTPOINT [-f] [-d] [-o OPTION[,OPTION...]]"},
        description = "Mounts a FUSE overlay over a build output directory, in place. Every rewrite of a file is written to a private temp file and published by an atomic rename when the writer closes it: readers see whole versions, running executables keep running, concurrent writers never tear a file, and nobody gets ETXTBSY or EPERM for replacing a busy executable.",
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

    /** In the order the help lists them. */
    private static final List<Class<?>> COMMANDS = List.of(MountCommand.class, UnmountCommand.class, RunCommand.class,
            StatusCommand.class, AttachCommand.class, DemoCommand.class, DaemonCommand.class);

    public static void main(String[] args) {
        if (OwnSession.isOn() || args.length > 0 && name(DaemonCommand.class).equals(args[0])) {
            DaemonCommand.loadBindingsInBackground();
        }
        int status = FuseInvocation.isOne(args, names())
                ? FuseInvocation.commandLine().execute(args)
                : commandLine(args.length > 0 ? args[0] : null).execute(args);
        ClassDataArchive.forgetRecords();
        OwnSession.answer(status);
        System.exit(status);
    }

    /**
     * The command line with the command named {@code first} alone, or with every command when
     * {@code first} names none (help, a version, a mistyped command): picocli reads every
     * option of every command it is given, and that was a fifth of the start of each JVM that
     * {@code dxfs mount} runs (see "Start-up" in docs/design.md).
     */
    static CommandLine commandLine(String first) {
        CommandLine commandLine = new CommandLine(new Main());
        List<Class<?>> named = COMMANDS.stream().filter(command -> names(command).contains(first)).toList();
        for (Class<?> command : named.isEmpty() ? COMMANDS : named) {
            commandLine.addSubcommand(command);
        }
        return reportingCliErrors(commandLine);
    }

    private static Set<String> names() {
        return COMMANDS.stream().flatMap(command -> names(command).stream()).collect(Collectors.toSet());
    }

    private static String name(Class<?> command) {
        return command.getAnnotation(Command.class).name();
    }

    /** A command's name and its aliases. */
    private static List<String> names(Class<?> command) {
        Command annotation = command.getAnnotation(Command.class);
        return Stream.concat(Stream.of(annotation.name()), Stream.of(annotation.aliases())).toList();
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
