package dev.dxfs.mount;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Print the state of DIR as JSON: mounted or not, open staged writers, commits, concurrent commits (a writer published over another writer's version), exec-protected nodes, bytes staged, errors.",
        footer = {"", "Examples:", "  dxfs status target/dx", "  watch -n 1 dxfs status target/dx"})
final class StatusCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "The mount point.")
    String directory;

    @Override
    public Integer call() throws CliException {
        Path dir = Mounter.absolute(directory);
        MountTable.State state = MountTable.stateOf(dir);
        if (state == MountTable.State.NONE && !Files.isDirectory(dir)) {
            throw new CliException(dir + " is not a directory");
        }
        String status = state == MountTable.State.LIVE ? ControlClient.status(dir) : null;
        if (status == null) {
            status = StatusJson.notMounted(dir, state == MountTable.State.STALE);
        }
        System.out.println(status);
        return 0;
    }
}
