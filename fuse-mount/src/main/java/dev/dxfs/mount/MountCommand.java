package dev.dxfs.mount;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "mount", mixinStandardHelpOptions = true, description = "Mount dxfs over DIR itself; returns once the mount is live. The files already in DIR stay visible; a stale mount left at DIR is recovered first. Of several mounts of DIR started at once exactly one mounts; the others wait until its mount is live, then exit 1 saying DIR is already a dxfs mount.",
        footer = {"", "Examples:", "  dxfs mount target/dx", "  dxfs mount --exclude '*.log' --fsync target/dx"})
final class MountCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "The directory to mount over, resolved as realpath -m resolves it (a symbolic link is followed).")
    String directory;

    @Mixin
    MountOptions options;

    @Override
    public Integer call() throws CliException {
        Consumer<Path> announce = dir -> System.out.println("dxfs: mounted over " + dir);
        if (OwnSession.isOn()) {
            Mounter.serve(directory, options, announce);
        } else {
            announce.accept(Mounter.mount(directory, options));
        }
        return 0;
    }
}
