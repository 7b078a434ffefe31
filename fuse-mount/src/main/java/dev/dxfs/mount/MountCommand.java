package dev.dxfs.mount;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "mount", mixinStandardHelpOptions = true, description = "Mount dxfs over DIR itself; returns once the mount is live. The files already in DIR stay visible; a stale mount left at DIR is recovered first.",
        footer = {"", "Examples:", "  dxfs mount target/dx", "  dxfs mount --exclude '*.log' --fsync target/dx"})
final class MountCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "The directory to mount over.")
    String directory;

    @Mixin
    MountOptions options;

    @Override
    public Integer call() throws CliException {
        System.out.println("dxfs: mounted over " + Mounter.mount(directory, options));
        return 0;
    }
}
