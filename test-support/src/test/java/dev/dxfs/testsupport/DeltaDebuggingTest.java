package dev.dxfs.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DeltaDebuggingTest {
    private static final Duration PLENTY = Duration.ofSeconds(30);

    private static List<Integer> upTo(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    @Test
    void keepsExactlyTheOperationsThatMakeItFailInTheirOrder() {
        Predicate<List<Integer>> threeThenSeventy = list -> list.contains(3) && list.contains(70)
                && list.indexOf(3) < list.indexOf(70);

        DeltaDebugging.Result<Integer> result = DeltaDebugging.minimize(upTo(500), threeThenSeventy, PLENTY);

        assertThat(result.operations()).containsExactly(3, 70);
        assertThat(result.complete()).isTrue();
    }

    @Test
    void theResultIsOneMinimal() {
        // Fails while the sum is at least 100: many answers, each must lose its failure without any one element.
        Predicate<List<Integer>> bigSum = list -> list.stream().mapToInt(Integer::intValue).sum() >= 100;

        List<Integer> result = DeltaDebugging.minimize(upTo(60), bigSum, PLENTY).operations();

        assertThat(bigSum.test(result)).isTrue();
        for (int i = 0; i < result.size(); i++) {
            List<Integer> without = new ArrayList<>(result);
            without.remove(i);
            assertThat(bigSum.test(without)).as("still fails without %s", result.get(i)).isFalse();
        }
    }

    @Test
    void eachDistinctSequenceRunsOnce() {
        List<List<Integer>> runs = new ArrayList<>();

        DeltaDebugging.Result<Integer> result = DeltaDebugging.minimize(upTo(64), list -> {
            runs.add(list);
            return list.contains(17);
        }, PLENTY);

        assertThat(result.operations()).containsExactly(17);
        assertThat(runs).doesNotHaveDuplicates().hasSize(result.runs());
    }

    @Test
    void aFailureWithoutOperationsShrinksToNone() {
        assertThat(DeltaDebugging.minimize(upTo(10), list -> true, PLENTY).operations()).isEmpty();
    }

    @Test
    void whenTheTimeRunsOutTheSequenceSoFarIsReturned() {
        DeltaDebugging.Result<Integer> result = DeltaDebugging.minimize(upTo(100), list -> list.contains(5),
                Duration.ZERO);

        assertThat(result.complete()).isFalse();
        assertThat(result.operations()).contains(5);
    }
}
