package dev.dxfs.mount;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Print the state of DIR as JSON: mounted or not, open staged writers, commits, concurrent commits (a writer published over another writer's version), ETXTBSY prevented (a running program's file replaced), exec-protected nodes, bytes staged, errors, the daemon's log file. With --watch, a live view of the same figures and their rates, redrawn every second.",
        footer = {"", "Examples:", "  dxfs status target/dx", "  dxfs status --watch target/dx      (Ctrl-C to stop)"})
final class StatusCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "The mount point.")
    String directory;

    @Option(names = {"-w", "--watch"}, description = "Show a live view, redrawn every second, until Ctrl-C or "
            + "until the mount goes away.")
    boolean watch;

    @Option(names = "--count", paramLabel = "N", description = "With --watch: stop after N views.")
    long count;

    @Override
    public Integer call() throws CliException {
        Path dir = Mounter.absolute(directory);
        MountTable.State state = MountTable.stateOf(dir);
        if (state == MountTable.State.NONE && !Files.isDirectory(dir)) {
            throw new CliException(dir + " is not a directory");
        }
        if (watch) {
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
        return 0;
    }
}
