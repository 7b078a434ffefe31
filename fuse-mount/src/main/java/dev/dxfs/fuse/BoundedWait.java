package dev.dxfs.fuse;

import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Calls into the kernel that may block on the very process whose request is being answered run
 * here, on side threads: the answer waits for them a bounded time and goes out regardless, so a
 * request never deadlocks with its caller. A call that outlives its wait finishes on its own.
 */
public final class BoundedWait {
    private final ExecutorService threads;

    /**
     * Side threads named {@code name}; they never keep the daemon alive. A thread may be started
     * by a request thread acting for a caller, whose identity it inherits: it takes the daemon's
     * own before anything else ({@link Credentials}).
     */
    public BoundedWait(String name) {
        threads = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(() -> {
                Credentials.resetThread();
                task.run();
            }, name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The call's result if it came within {@code millis} (and did not fail), else empty. */
    public <T> Optional<T> call(Callable<T> call, long millis) {
        Future<T> answer = threads.submit(call);
        try {
            return Optional.ofNullable(answer.get(millis, TimeUnit.MILLISECONDS));
        } catch (TimeoutException | ExecutionException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
