package dev.dxfs.mount;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Print the state of DIR as JSON: mounted or not, open staged writers, commits, concurrent commits (a writer published over another writer's version), ETXTBSY prevented (a running program's file replaced), exec-protected nodes, bytes staged, errors, the daemon's log file. With --watch, a live view of the same figures and their rates, redrawn every second.",
        footer = {"", "Exit status: 0 for a live mount and for a directory that is not mounted; 1 for a stale mount "
                + "(its daemon is gone: {\"mounted\":false,\"stale\":true}, and a line on stderr saying how to recover "
                + "it) and for an error (one line on stderr, no JSON).",
            "", "Examples:", "  dxfs status target/dx", "  dxfs status --watch target/dx      (Ctrl-C to stop)"})
final class StatusCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "The mount point.")
    String directory;

    @Option(names = {"-w", "--watch"}, description = "Show a live view, redrawn every second, until Ctrl-C or "
            + "until the mount goes away.")
    boolean watch;

    @Option(names = "--count", paramLabel = "N", description = "With --watch: stop after N views.")
    long count;

    /** The exit status for a stale mount: as LSB init scripts' status, "dead, but its pid file is there". */
    static final int STALE = 1;

    @Override
    public Integer call() throws CliException {
        Path dir = DirectoryArgument.resolve(directory);
        MountTable.Inspection found = MountTable.inspect(dir);
        MountTable.State state = found.state();
        if (state == MountTable.State.NONE && !Files.isDirectory(dir)) {
            throw new CliException(dir + " is not a directory");
        }
        if (watch) {
            if (state == MountTable.State.STALE) {
                throw new CliException(staleMessage(dir, found.cause()));
            }
            if (state != MountTable.State.LIVE) {
                throw new CliException(dir + " is not a dxfs mount: mount it first (dxfs mount " + dir + ")");
            }
            new StatusWatch(dir, System.out, System.console() != null).run(count);
            return 0;
        }
        String status = state == MountTable.State.LIVE ? ControlClient.status(dir) : null;
        if (status == null) {
            status = StatusJson.notMounted(dir, state == MountTable.State.STALE);
        }
        System.out.println(status);
        if (state == MountTable.State.STALE) {
            System.err.println("dxfs: " + staleMessage(dir, found.cause()));
            return STALE;
        }
        return 0;
    }

    static String staleMessage(Path dir, String cause) {
        return dir + " is a stale mount, " + cause + ": recover it with dxfs mount " + dir
                + ", or clear it with dxfs unmount " + dir;
    }
}
