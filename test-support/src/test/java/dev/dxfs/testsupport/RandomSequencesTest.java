package dev.dxfs.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The runner and the shrinker on a deliberately broken model: a store that caches its last
 * lookup and forgets to drop it on remove. Its defect needs four operations on one key in a
 * particular order (put and get, in either order, then remove, then get) with nothing in between
 * that refreshes the cache, and a random sequence of 200 finds it among many irrelevant ones.
 */
class RandomSequencesTest {
    private static final Pattern SEED = Pattern.compile("-Ddxfs\\.seed=(-?\\d+)");
    private static final Pattern SHOWN_OPERATION = Pattern.compile("(?m)^  \\d+\\. (.*)$");

    @AfterEach
    void noReplay() {
        System.clearProperty(RandomSequences.SEED_PROPERTY);
    }

    record Op(String name, char key, int value) {
        @Override
        public String toString() {
            return name + " " + key + (name.equals("put") ? " " + value : "");
        }
    }

    /** The broken model: remove leaves the cached value of a key behind. */
    static final class CachingStore {
        private final Map<Character, Integer> values = new HashMap<>();
        private Character cachedKey;
        private Integer cachedValue;

        void put(char key, int value) {
            values.put(key, value);
            if (Objects.equals(cachedKey, key)) {
                cachedValue = value;
            }
        }

        void remove(char key) {
            values.remove(key); // the defect: the cache is not dropped
        }

        Integer get(char key) {
            if (!Objects.equals(cachedKey, key)) {
                cachedKey = key;
                cachedValue = values.get(key);
            }
            return cachedValue;
        }
    }

    private static final Weighted<String> NAMES = new Weighted<String>().or(2, "put").or(2, "get").or(1, "remove");
    private static final List<Character> KEYS = List.of('a', 'b', 'c');

    private static List<Op> operations(SplittableRandom random, int count) {
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ops.add(new Op(NAMES.pick(random), Weighted.oneOf(random, KEYS), random.nextInt(10)));
        }
        return ops;
    }

    /** Runs the sequence on the broken store and on a plain map, comparing every get. */
    private static void againstAPlainMap(List<Op> ops) {
        CachingStore store = new CachingStore();
        Map<Character, Integer> model = new HashMap<>();
        for (Op op : ops) {
            switch (op.name()) {
                case "put" -> {
                    store.put(op.key(), op.value());
                    model.put(op.key(), op.value());
                }
                case "remove" -> {
                    store.remove(op.key());
                    model.remove(op.key());
                }
                default -> assertThat(store.get(op.key())).as("get %s", op.key()).isEqualTo(model.get(op.key()));
            }
        }
    }

    private static final Function<SplittableRandom, List<Op>> TWO_HUNDRED = random -> operations(random, 200);

    @Test
    void theBrokenModelsFailureIsShrunkToAFewOperationsAndItsSeedReplaysThem() {
        AssertionError failure = catchThrowableOfType(AssertionError.class,
                () -> RandomSequences.of(TWO_HUNDRED).tries(100).check(RandomSequencesTest::againstAPlainMap));

        assertThat(failure).as("the defect is found").isNotNull();
        String seed = seedOf(failure);
        List<String> shrunk = shownOperations(failure);
        System.out.println("shrinker test: the broken store's failure shrunk to " + shrunk.size() + " operations "
                + shrunk + "; replay it with -Ddxfs.seed=" + seed);
        assertThat(failure.getMessage()).contains("shrunk from 200 to " + shrunk.size() + " operations");
        assertThat(shrunk).hasSizeLessThanOrEqualTo(5);
        // The defect's shape: a value put and cached (put k, get k; or get k, put k), remove k, get k.
        assertThat(shrunk).hasSize(4);
        assertThat(shrunk.subList(0, 2)).anyMatch(op -> op.startsWith("put ")).anyMatch(op -> op.startsWith("get "));
        assertThat(shrunk.get(2)).startsWith("remove ");
        assertThat(shrunk.get(3)).startsWith("get ");

        System.setProperty(RandomSequences.SEED_PROPERTY, seed);
        AssertionError replayed = catchThrowableOfType(AssertionError.class,
                () -> RandomSequences.of(TWO_HUNDRED).tries(100).check(RandomSequencesTest::againstAPlainMap));

        assertThat(replayed).as("the seed replays the failure").isNotNull();
        assertThat(replayed.getMessage()).startsWith("case 1 of 1 failed, seed " + seed);
        assertThat(shownOperations(replayed)).isEqualTo(shrunk);
    }

    @Test
    void aPassingPropertyRunsEveryCaseEachWithItsOwnSequence() {
        Set<List<Op>> seen = new HashSet<>();

        RandomSequences.Checked checked = RandomSequences.of(random -> operations(random, 30))
                .tries(500)
                .check(ops -> {
                    seen.add(ops);
                });

        assertThat(checked.cases()).isEqualTo(500);
        assertThat(seen).hasSize(500);
        assertThat(checked.operations()).isEqualTo(seen.stream().mapToLong(List::size).sum());
    }

    @Test
    void shrinkingKeepsTheSetupAndReportsIt() {
        // Fails only for the setup 7, on any sequence with a put in it.
        AssertionError failure = catchThrowableOfType(AssertionError.class,
                () -> RandomSequences.of(random -> random.nextInt(10), (random, setup) -> operations(random, 50))
                        .tries(200)
                        .check((setup, ops) -> assertThat(setup == 7 && ops.stream()
                                .anyMatch(op -> op.name().equals("put"))).isFalse()));

        assertThat(failure).isNotNull();
        assertThat(failure.getMessage()).contains("\nsetup: 7\n");
        assertThat(shownOperations(failure)).hasSize(1).allMatch(op -> op.startsWith("put "));
    }

    @Test
    void aReplayedSeedRunsOneCaseWithTheSameSequence() {
        List<List<Op>> first = new ArrayList<>();
        List<List<Op>> again = new ArrayList<>();
        System.setProperty(RandomSequences.SEED_PROPERTY, "-42");

        RandomSequences.of(TWO_HUNDRED).tries(100).check(ops -> first.add(ops));
        RandomSequences.of(TWO_HUNDRED).tries(100).check(ops -> again.add(ops));

        assertThat(first).hasSize(1).isEqualTo(again);
        assertThat(first.get(0)).isEqualTo(TWO_HUNDRED.apply(new SplittableRandom(-42)));
    }

    private static String seedOf(AssertionError failure) {
        Matcher seed = SEED.matcher(failure.getMessage());
        assertThat(seed.find()).as("a seed in %s", failure.getMessage()).isTrue();
        return seed.group(1);
    }

    private static List<String> shownOperations(AssertionError failure) {
        return SHOWN_OPERATION.matcher(failure.getMessage()).results().map(match -> match.group(1))
                .collect(Collectors.toList());
    }
}
