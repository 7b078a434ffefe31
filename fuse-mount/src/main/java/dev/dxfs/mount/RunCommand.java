package dev.dxfs.mount;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Mount dxfs over DIR, run COMMAND, unmount (also when COMMAND fails or is interrupted), and exit with COMMAND's status.",
            "",
            "COMMAND runs as a shell runs a job: in a process group of its own, in the terminal's foreground when dxfs has "
                + "it. A Ctrl-C at the terminal reaches COMMAND and the processes it started, once; Ctrl-Z stops them and dxfs "
                + "together. SIGINT, SIGTERM or SIGHUP sent to dxfs run is passed on at once to the whole group; processes of "
                + "the group still there --kill-after seconds later are killed (SIGKILL). Then the mount is removed and dxfs "
                + "run exits 128+N for signal N. Processes that left the group (setsid) are not reached; a signal ignored "
                + "when dxfs run starts (nohup) stays ignored."},
        exitCodeOnInvalidInput = RunCommand.OWN_FAILURE, exitCodeOnExecutionException = RunCommand.OWN_FAILURE,
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "125:dxfs itself failed (bad arguments, the mount could not be made)",
            "126:COMMAND was found but could not be run (not executable, a directory)",
            "127:COMMAND was not found",
            "128+N:dxfs run received signal N: 130 (SIGINT), 143 (SIGTERM), 129 (SIGHUP)",
            "*:otherwise, COMMAND's status (128+N if signal N killed it)"},
        footer = {"", "Examples:",
            "  dxfs run target/dx -- dx serve --port 8081",
            "  CARGO_TARGET_DIR=$PWD/target/dx dxfs run target/dx -- cargo build"})
final class RunCommand implements Callable<Integer> {
    /** As timeout(1) and env(1): dxfs's own failures keep apart from COMMAND's statuses. */
    static final int OWN_FAILURE = 125;
    private static final int SIGNALLED = 128;

    @Parameters(index = "0", paramLabel = "DIR", description = "The directory to mount over, resolved as realpath -m resolves it (a symbolic link is followed).")
    String directory;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND", description = "The command and its arguments.")
    List<String> command;

    @Option(names = "--kill-after", paramLabel = "SECONDS", defaultValue = "10",
            description = "After a signal, how long COMMAND's processes have to end before they are killed. Default: ${DEFAULT-VALUE}.")
    double killAfter;

    @Mixin
    MountOptions options;

    @Override
    public Integer call() throws CliException {
        if (!(killAfter >= 0 && Double.isFinite(killAfter))) {
            throw new CliException("--kill-after must be a number of seconds, 0 or more: " + killAfter);
        }
        // Handled before mounting: a signal while the mount comes up waits for it, and the
        // mount is removed again.
        Interruption interruption = Interruption.install(killAfter);
        Path mounted = Mounter.mount(directory, options);
        try {
            return interrupted(interruption, run(interruption));
        } finally {
            unmountQuietly(mounted);
        }
    }

    private int run(Interruption interruption) {
        if (interruption.signal() != 0) {
            // Interrupted while mounting: the command is not started, and the status is the signal's.
            return 0;
        }
        Job job;
        try {
            job = Job.start(command);
        } catch (Job.NotStarted e) {
            System.err.println("dxfs: " + e.getMessage());
            return e.status;
        }
        try {
            interruption.forwardTo(job);
            return job.waitFor();
        } finally {
            job.release();
            interruption.settle();
        }
    }

    private static int interrupted(Interruption interruption, int status) {
        return interruption.signal() == 0 ? status : SIGNALLED + interruption.signal();
    }

    /** Unmounts, detaching lazily if the command left something running inside. */
    private static void unmountQuietly(Path dir) {
        try {
            if (MountTable.stateOf(dir) == MountTable.State.NONE) {
                return;
            }
            try {
                Mounter.unmount(dir.toString(), false);
            } catch (CliException busy) {
                Mounter.unmount(dir.toString(), true);
            }
        } catch (CliException e) {
            System.err.println("dxfs: " + e.getMessage());
        }
    }
}
