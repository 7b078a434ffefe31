package dev.dxfs.mount;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "run", mixinStandardHelpOptions = true, description = "Mount dxfs over DIR, run COMMAND, unmount (also when COMMAND fails or is interrupted), and exit with COMMAND's status.",
        footer = {"", "Examples:",
            "  dxfs run target/dx -- dx serve --port 8081",
            "  CARGO_TARGET_DIR=$PWD/target/dx dxfs run target/dx -- cargo build"})
final class RunCommand implements Callable<Integer> {
    private static final long GRACE_SECONDS = 10;

    @Parameters(index = "0", paramLabel = "DIR", description = "The directory to mount over.")
    String directory;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND", description = "The command and its arguments.")
    List<String> command;

    @Mixin
    MountOptions options;

    @Override
    public Integer call() throws CliException {
        Path dir = Mounter.mount(directory, options);
        Process child = null;
        Thread cleanup = new Thread(() -> unmountQuietly(dir), "dxfs-run-cleanup");
        try {
            child = new ProcessBuilder(command).inheritIO().start();
            Process started = child;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                // Interrupted (the terminal's SIGINT reaches the command too): let it end, then unmount.
                awaitQuietly(started);
                unmountQuietly(dir);
            }, "dxfs-run-interrupt"));
            return child.waitFor();
        } catch (IOException e) {
            throw new CliException("cannot run " + command.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        } finally {
            cleanup.run();
        }
    }

    private static void awaitQuietly(Process process) {
        try {
            if (!process.waitFor(GRACE_SECONDS, TimeUnit.SECONDS)) {
                process.destroy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
