package dev.dxfs.mount;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "run", mixinStandardHelpOptions = true, description = "Mount dxfs over DIR, run COMMAND, unmount (also when COMMAND fails or is interrupted), and exit with COMMAND's status.",
        footer = {"", "Examples:",
            "  dxfs run target/dx -- dx serve --port 8081",
            "  CARGO_TARGET_DIR=$PWD/target/dx dxfs run target/dx -- cargo build"})
final class RunCommand implements Callable<Integer> {
    private static final long GRACE_SECONDS = 10;

    @Parameters(index = "0", paramLabel = "DIR", description = "The directory to mount over, resolved as realpath -m resolves it (a symbolic link is followed).")
    String directory;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND", description = "The command and its arguments.")
    List<String> command;

    @Mixin
    MountOptions options;

    @Override
    public Integer call() throws CliException {
        AtomicReference<Path> mounted = new AtomicReference<>();
        AtomicReference<Process> child = new AtomicReference<>();
        CountDownLatch mountSettled = new CountDownLatch(1);
        // Registered before mounting: an interrupt that arrives while the mount comes up waits
        // for it, so the mount is never left behind.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            awaitQuietly(mountSettled);
            Process started = child.get();
            if (started != null) {
                awaitQuietly(started);
            }
            if (mounted.get() != null) {
                unmountQuietly(mounted.get());
            }
        }, "dxfs-run-interrupt"));
        try {
            mounted.set(Mounter.mount(directory, options));
        } finally {
            mountSettled.countDown();
        }
        try {
            child.set(new ProcessBuilder(command).inheritIO().start());
            return child.get().waitFor();
        } catch (IOException e) {
            throw new CliException("cannot run " + command.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        } finally {
            unmountQuietly(mounted.get());
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(GRACE_SECONDS * 6, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
