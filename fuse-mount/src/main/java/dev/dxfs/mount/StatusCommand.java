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
            "", "A directory that is another filesystem's mount point is named (\"filesystem\":\"tmpfs\"); another "
                + "user's live mount says whose it is (\"mounted\":true,\"owner\":\"root\",\"ownerUid\":0, and a line on "
                + "stderr): its daemon gives its figures to that user only.",
            "", "Examples:", "  dxfs status target/dx", "  dxfs status --watch target/dx      (Ctrl-C to stop)"})
final class StatusCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "The mount point, resolved as realpath -m resolves it (a symbolic link is followed).")
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
        if (state == MountTable.State.NONE && Files.notExists(dir)) {
            throw new CliException(dir + " does not exist");
        }
        if (state == MountTable.State.NONE && !Files.isDirectory(dir)) {
            throw new CliException(dir + " is not a directory");
        }
        if (watch) {
            if (state == MountTable.State.STALE) {
                throw new CliException(staleMessage(dir, found.cause()));
            }
            if (state != MountTable.State.LIVE) {
                throw new CliException(dir + " is not a dxfs mount" + (state == MountTable.State.OTHER
                        ? " (it is a " + MountTable.topmostType(dir) + " mount)" : "") + ": mount it first (dxfs mount "
                        + dir + ")");
            }
            if (ControlClient.status(dir) == null) {
                throw new CliException(unanswered(dir));
            }
            new StatusWatch(dir, System.out, System.console() != null).run(count);
            return 0;
        }
        switch (state) {
            case LIVE -> {
                String status = ControlClient.status(dir);
                if (status == null) {
                    status = StatusJson.unanswered(dir, MountTable.ownerOf(dir));
                    System.err.println("dxfs: " + unanswered(dir));
                }
                System.out.println(status);
            }
            case OTHER -> System.out.println(StatusJson.otherFilesystem(dir, MountTable.topmostType(dir)));
            case STALE -> {
                System.out.println(StatusJson.notMounted(dir, true));
                System.err.println("dxfs: " + staleMessage(dir, found.cause()));
                return STALE;
            }
            default -> System.out.println(StatusJson.notMounted(dir, false));
        }
        return 0;
    }

    /** Why the daemon of a live mount does not give this user its figures. */
    private static String unanswered(Path dir) throws CliException {
        int owner = MountTable.ownerOf(dir);
        return owner == EffectiveUser.id()
                ? "the daemon of " + dir + " does not answer on " + RuntimePaths.socketFor(dir)
                        + " (was it mounted with another XDG_RUNTIME_DIR?)"
                : dir + " is mounted by " + UserName.describe(owner) + ": its daemon gives its figures to that user "
                        + "only (dxfs status as that user)";
    }

    static String staleMessage(Path dir, String cause) {
        return dir + " is a stale mount, " + cause + ": recover it with dxfs mount " + dir
                + ", or clear it with dxfs unmount " + dir;
    }
}
