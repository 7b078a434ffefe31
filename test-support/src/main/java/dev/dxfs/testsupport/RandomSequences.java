package dev.dxfs.testsupport;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * A property checked on random operation sequences: each case draws a setup (say, the kind of
 * a write handle) and a list of operations from a random source of its own seed, and runs them
 * through a body that throws when the property does not hold.
 *
 * <p>A failure is reported with the seed of its case, and {@code -Ddxfs.seed=SEED} replays that
 * case alone (name the test too, with {@code -Dtest=Class#method}): the same setup, the same
 * sequence, and the same shrinking. Before it is reported the sequence is shrunk by
 * {@link DeltaDebugging} to a short one that still fails with the same kind of exception, so the
 * report shows the few operations that matter rather than hundreds.
 *
 * <pre>{@code
 * RandomSequences.of(random -> kind(random), (random, kind) -> steps(random, 40))
 *         .tries(2000)
 *         .check((kind, steps) -> runAgainstTheModel(kind, steps));
 * }</pre>
 */
public final class RandomSequences<S, T> {
    /** The system property that replays one case: the seed a failure reports. */
    public static final String SEED_PROPERTY = "dxfs.seed";

    /** Draws the part of a case that shrinking keeps as it is. */
    @FunctionalInterface
    public interface Setup<S> {
        S draw(SplittableRandom random);
    }

    /** Draws the operations of a case, which may depend on its setup. */
    @FunctionalInterface
    public interface Operations<S, T> {
        List<T> draw(SplittableRandom random, S setup);
    }

    /** Runs one sequence; throws (an assertion, usually) when the property does not hold. */
    @FunctionalInterface
    public interface Body<S, T> {
        void run(S setup, List<T> operations) throws Exception;
    }

    /** {@link Body} for sequences without a setup. */
    @FunctionalInterface
    public interface OperationsBody<T> {
        void run(List<T> operations) throws Exception;
    }

    /** What a passing check ran. */
    public record Checked(int cases, long operations) {}

    private final Setup<S> setup;
    private final Operations<S, T> operations;
    private int tries = 100;
    private Duration shrinkBudget = Duration.ofSeconds(60);

    private RandomSequences(Setup<S> setup, Operations<S, T> operations) {
        this.setup = setup;
        this.operations = operations;
    }

    public static <T> RandomSequences<Void, T> of(Function<SplittableRandom, List<T>> operations) {
        return new RandomSequences<>(random -> null, (random, none) -> operations.apply(random));
    }

    public static <S, T> RandomSequences<S, T> of(Setup<S> setup, Operations<S, T> operations) {
        return new RandomSequences<>(setup, operations);
    }

    /** How many cases a check runs (one when a seed is given to replay). */
    public RandomSequences<S, T> tries(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("tries " + count);
        }
        tries = count;
        return this;
    }

    /**
     * How long shrinking may take; the shortest failing sequence found by then is reported. The
     * default, a minute, matters only for sequences that are slow to run.
     */
    public RandomSequences<S, T> shrinkingAtMost(Duration budget) {
        shrinkBudget = budget;
        return this;
    }

    public Checked check(OperationsBody<T> body) {
        return check((none, list) -> body.run(list));
    }

    /**
     * Runs the cases, or only the one of {@code -Ddxfs.seed}; returns what ran, or throws an
     * {@link AssertionError} that names the failing case's seed and shows its shrunk sequence.
     */
    public Checked check(Body<S, T> body) {
        Optional<Long> replay = replaySeed();
        SplittableRandom seeds = new SplittableRandom(ThreadLocalRandom.current().nextLong());
        int cases = replay.isPresent() ? 1 : tries;
        long operationsRun = 0;
        for (int i = 1; i <= cases; i++) {
            // Each case has a seed of its own, so that one case can be replayed without the others.
            long seed = replay.orElseGet(seeds::nextLong);
            SplittableRandom random = new SplittableRandom(seed);
            S drawnSetup = setup.draw(random);
            List<T> drawn = List.copyOf(operations.draw(random, drawnSetup));
            Throwable failure = failureOf(body, drawnSetup, drawn);
            if (failure != null) {
                throw report(i, cases, seed, drawnSetup, drawn, failure, body);
            }
            operationsRun += drawn.size();
        }
        return new Checked(cases, operationsRun);
    }

    private AssertionError report(int index, int cases, long seed, S drawnSetup, List<T> drawn, Throwable failure,
            Body<S, T> body) {
        // A shorter sequence that fails differently (say, with an exception where the original
        // failed an assertion) is usually another problem: shrinking keeps the kind of failure.
        Class<?> kind = failure.getClass();
        DeltaDebugging.Result<T> shrunk = DeltaDebugging.minimize(drawn, candidate -> {
            Throwable again = failureOf(body, drawnSetup, candidate);
            return again != null && again.getClass() == kind;
        }, shrinkBudget);
        Throwable shrunkFailure = failureOf(body, drawnSetup, shrunk.operations());

        StringBuilder text = new StringBuilder();
        text.append("case ").append(index).append(" of ").append(cases).append(" failed, seed ").append(seed)
                .append("; replay it with -D").append(SEED_PROPERTY).append('=').append(seed).append('\n');
        if (drawnSetup != null) {
            text.append("setup: ").append(drawnSetup).append('\n');
        }
        text.append("shrunk from ").append(drawn.size()).append(" to ").append(shrunk.operations().size())
                .append(" operations in ").append(shrunk.runs()).append(" runs")
                .append(shrunk.complete() ? "" : " (the time for shrinking ran out)").append(":\n");
        List<T> shown = shrunk.operations();
        for (int i = 0; i < Math.min(shown.size(), 200); i++) {
            text.append("  ").append(i + 1).append(". ").append(shown.get(i)).append('\n');
        }
        if (shown.size() > 200) {
            text.append("  ... and ").append(shown.size() - 200).append(" more\n");
        }
        if (shrunkFailure == null) {
            text.append("but the shrunk sequence passed when run once more (a flaky failure?); the original failure:\n")
                    .append(failure);
            return new AssertionError(text.toString(), failure);
        }
        text.append("the shrunk sequence's failure:\n").append(shrunkFailure);
        AssertionError error = new AssertionError(text.toString(), shrunkFailure);
        error.addSuppressed(failure);
        return error;
    }

    private static <S, T> Throwable failureOf(Body<S, T> body, S setup, List<T> operations) {
        try {
            body.run(setup, operations);
            return null;
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (Throwable failure) {
            return failure;
        }
    }

    private static Optional<Long> replaySeed() {
        String value = System.getProperty(SEED_PROPERTY);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "-D" + SEED_PROPERTY + " must be a seed that a failure reported: " + value, e);
        }
    }
}
