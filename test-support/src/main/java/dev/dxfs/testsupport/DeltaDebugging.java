package dev.dxfs.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Shrinks a failing operation sequence by delta debugging (Zeller and Hildebrandt's ddmin): it
 * tries ever smaller chunks of the sequence, and the sequence without each chunk, keeping
 * whatever still fails. The result is 1-minimal: dropping any one of its operations makes the
 * failure go away. Operations keep their order, and their values are not changed: a sequence of
 * file calls is read most easily when each line is one that really ran.
 */
public final class DeltaDebugging {
    private DeltaDebugging() {}

    /**
     * What shrinking found.
     *
     * @param operations the shortest failing sequence found
     * @param runs how many sequences were run to find it (each distinct sequence runs once)
     * @param complete false if the budget ran out before the sequence was 1-minimal
     */
    public record Result<T>(List<T> operations, int runs, boolean complete) {}

    /**
     * Shrinks {@code failing}, for which {@code stillFails} must hold, within {@code budget}; the
     * sequence being shrunk when time runs out is returned as it is.
     */
    public static <T> Result<T> minimize(List<T> failing, Predicate<List<T>> stillFails, Duration budget) {
        long deadline = System.nanoTime() + budget.toNanos();
        // ddmin asks about the same sublist more than once (the halves are each other's
        // complements), and a run of a file system sequence costs real time.
        Map<List<T>, Boolean> known = new HashMap<>();
        Predicate<List<T>> test = candidate -> known.computeIfAbsent(List.copyOf(candidate), stillFails::test);

        if (test.test(List.of())) {
            return new Result<>(List.of(), known.size(), true);
        }
        List<T> current = List.copyOf(failing);
        int granularity = 2;
        while (current.size() >= 2) {
            if (System.nanoTime() - deadline > 0) {
                return new Result<>(current, known.size(), false);
            }
            List<List<T>> chunks = split(current, granularity);
            List<T> smaller = null;
            for (List<T> chunk : chunks) {
                if (test.test(chunk)) {
                    smaller = chunk;
                    granularity = 2;
                    break;
                }
            }
            if (smaller == null) {
                for (int i = 0; i < chunks.size(); i++) {
                    List<T> complement = withoutChunk(chunks, i);
                    if (test.test(complement)) {
                        smaller = complement;
                        granularity = Math.max(granularity - 1, 2);
                        break;
                    }
                }
            }
            if (smaller != null) {
                current = smaller;
            } else if (granularity < current.size()) {
                granularity = Math.min(granularity * 2, current.size());
            } else {
                break; // every single operation was tried on its own and without: 1-minimal
            }
        }
        return new Result<>(current, known.size(), true);
    }

    /** {@code list} in {@code parts} consecutive chunks whose sizes differ by at most one. */
    private static <T> List<List<T>> split(List<T> list, int parts) {
        List<List<T>> chunks = new ArrayList<>(parts);
        int start = 0;
        for (int i = 0; i < parts; i++) {
            int end = start + (list.size() - start) / (parts - i);
            chunks.add(list.subList(start, end));
            start = end;
        }
        return chunks;
    }

    private static <T> List<T> withoutChunk(List<List<T>> chunks, int skipped) {
        List<T> rest = new ArrayList<>();
        for (int i = 0; i < chunks.size(); i++) {
            if (i != skipped) {
                rest.addAll(chunks.get(i));
            }
        }
        return rest;
    }
}
