package dev.dxfs.mount;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "unmount", mixinStandardHelpOptions = true, aliases = "umount", description = "Unmount the dxfs mount at DIR and wait for its daemon to finish. Writes still open are discarded, never published half-written. Another user's mount is refused, naming that user; so is a mount with another mounted inside it, naming the inner one.",
        footer = {"", "Examples:", "  dxfs unmount target/dx",
            "  dxfs unmount --force target/dx    (busy, or stale after its daemon was killed)"})
final class UnmountCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "The mount point, resolved as realpath -m resolves it (a symbolic link is followed).")
    String directory;

    @Option(names = {"-f", "--force"}, description = "Detach now even when busy: files still open get 2 s to be "
            + "closed, then their unpublished writes are discarded. Also clears a stale mount whose daemon is gone.")
    boolean force;

    @Override
    public Integer call() throws CliException {
        Mounter.unmount(directory, force);
        return 0;
    }
}
