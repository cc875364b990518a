//! Property tests: online learning is exact and reversible, scores are always probabilities, and no
//! byte string makes the model loader panic.

use ferret_bayes::{Label, Model, ModelConfig};
use ferret_features::{FeatureConfig, Features};
use proptest::prelude::*;

fn cfg() -> FeatureConfig {
    FeatureConfig::params().bits(10).check().unwrap()
}

fn features() -> impl Strategy<Value = Features> {
    proptest::collection::vec((0u32..1024, 1u32..5), 0..40).prop_map(Features::from_pairs)
}

fn label() -> impl Strategy<Value = Label> {
    prop_oneof![Just(Label::Ham), Just(Label::Spam)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn unlearning_in_any_order_restores_the_empty_model(
        items in proptest::collection::vec((features(), label()), 1..30),
        presence in any::<bool>(),
    ) {
        let mc = ModelConfig::params().presence(presence).check().unwrap();
        let empty = Model::new(cfg(), mc);
        let mut m = empty.clone();
        for (f, l) in &items {
            m.learn(f, *l).unwrap();
        }
        for (f, l) in items.iter().rev() {
            m.unlearn(f, *l).unwrap();
        }
        prop_assert_eq!(m, empty);
    }

    #[test]
    fn scores_are_probabilities_and_files_round_trip(
        items in proptest::collection::vec((features(), label()), 0..30),
        probe in features(),
        max_clues in 0u32..50,
        s in 0.01f64..5.0,
        min_dev in 0.0f64..0.49,
    ) {
        let mc = ModelConfig::params().max_clues(max_clues).robinson_s(s).min_dev(min_dev).check().unwrap();
        let mut m = Model::new(cfg(), mc);
        for (f, l) in &items {
            m.learn(f, *l).unwrap();
        }
        let sc = m.score(&probe);
        prop_assert!((0.0..=1.0).contains(&sc.p_spam) && sc.log_odds.is_finite(), "{:?}", sc);
        let back = Model::from_bytes(&m.to_bytes()).unwrap();
        prop_assert_eq!(back.score(&probe), sc);
        prop_assert_eq!(back, m);
    }

    #[test]
    fn the_loader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Model::from_bytes(&bytes);
        let mut framed = b"FERRETNB\x01\x00".to_vec();
        framed.extend_from_slice(&bytes);
        let _ = Model::from_bytes(&framed);
    }
}
