//! Blocks written with every chunk encoding read back the same samples, and a chunk read with
//! bounds that are not its own fails or stays safe: the bounded codec decodes its timestamps
//! from the index's chunk metas, so those must be exactly each chunk's first and last sample.

use promlite_encoding::ChunkEncoding;
use promlite_model::{Labels, MatchOp, Matcher, Sample, STALE_NAN};

use super::meta::CompactionMeta;
use super::writer::BlockBuilder;
use super::Block;
use crate::query::chunks::decode_series_into;

const START: i64 = 1_795_305_600_000;

/// Three series: a regular counter, a jittered gauge with specials, and a single sample.
fn fixture_series() -> Vec<(Labels, Vec<Sample>)> {
    let regular: Vec<Sample> = (0..400)
        .map(|i| Sample::new(START + i * 15_000, (i * 3) as f64))
        .collect();
    let jittered: Vec<Sample> = (0..333)
        .map(|i| {
            let v = match i % 50 {
                7 => STALE_NAN,
                8 => -0.0,
                9 => f64::NAN,
                _ => (i % 13) as f64 * 0.25,
            };
            Sample::new(START + i * 15_000 + (i * 7919) % 4, v)
        })
        .collect();
    let single = vec![Sample::new(START + 42, 1.5)];
    ["a", "b", "c"]
        .into_iter()
        .zip([regular, jittered, single])
        .map(|(name, samples)| (Labels::from_pairs([("__name__", name)]), samples))
        .collect()
}

fn write_block(dir: &std::path::Path, encoding: ChunkEncoding) -> Block {
    let series = fixture_series();
    let mut symbols: Vec<&str> = vec!["__name__", "a", "b", "c"];
    symbols.sort_unstable();
    let ulid = ulid::Ulid::new().to_string();
    let mut builder = BlockBuilder::new(
        dir,
        ulid.clone(),
        START,
        START + 7_200_000,
        symbols,
        encoding,
    )
    .unwrap();
    for (labels, samples) in &series {
        builder.add_series(labels, samples).unwrap();
    }
    builder.finish(CompactionMeta::default()).unwrap().unwrap();
    Block::open(&dir.join(ulid), true).unwrap()
}

fn bits(samples: &[Sample]) -> Vec<(i64, u64)> {
    samples.iter().map(|s| (s.t, s.v.to_bits())).collect()
}

#[test]
fn blocks_of_every_encoding_read_back_their_samples() {
    for encoding in [
        ChunkEncoding::Xor,
        ChunkEncoding::BlockCodec,
        ChunkEncoding::BlockCodecBounded,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let block = write_block(dir.path(), encoding);
        let all = Matcher::new(MatchOp::RegexMatch, "__name__", ".+").unwrap();
        let selected = block.select(&[all], i64::MIN, i64::MAX).unwrap();
        let expected = fixture_series();
        assert_eq!(selected.len(), expected.len());
        for (got, (labels, samples)) in selected.iter().zip(&expected) {
            assert_eq!(&got.labels, labels);
            let mut out = Vec::new();
            decode_series_into(&got.chunks, &got.deleted, i64::MIN, i64::MAX, &mut out).unwrap();
            assert_eq!(bits(&out), bits(samples), "{encoding:?} {labels}");
            // A window inside one chunk and across a chunk boundary.
            for (mint, maxt) in [
                (START + 30_000, START + 60_000),
                (START + 1_700_000, START + 1_900_000),
            ] {
                out.clear();
                decode_series_into(&got.chunks, &got.deleted, mint, maxt, &mut out).unwrap();
                let want: Vec<Sample> = samples
                    .iter()
                    .copied()
                    .filter(|s| mint <= s.t && s.t <= maxt)
                    .collect();
                assert_eq!(
                    bits(&out),
                    bits(&want),
                    "{encoding:?} {labels} {mint}..={maxt}"
                );
            }
        }
    }
}

#[test]
fn bounded_chunk_metas_are_their_chunks_first_and_last_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let block = write_block(dir.path(), ChunkEncoding::BlockCodecBounded);
    for (id, (_, samples)) in fixture_series().iter().enumerate() {
        let (_, metas) = block.index().series(id as u32).unwrap();
        let parts: Vec<&[Sample]> = samples.chunks(120).collect();
        assert_eq!(metas.len(), parts.len());
        for (meta, part) in metas.iter().zip(parts) {
            assert_eq!((meta.mint, meta.maxt), (part[0].t, part[part.len() - 1].t));
        }
    }
}

#[test]
fn a_bounded_chunk_read_with_other_bounds_fails_or_stays_safe() {
    let dir = tempfile::tempdir().unwrap();
    let block = write_block(dir.path(), ChunkEncoding::BlockCodecBounded);
    // Series "a" has regular timestamps: any bounds but its own (or a shift of them) are
    // caught; series "b" is jittered, so wrong bounds may only move its timestamps.
    let (_, metas) = block.index().series(0).unwrap();
    let meta = metas[0];
    for (mint, maxt) in [
        (meta.mint, meta.maxt + 1),
        (meta.mint - 5, meta.maxt),
        (meta.maxt, meta.mint),
        (meta.mint, meta.mint),
    ] {
        let handle = block.chunks.handle(meta.chunk_ref, mint, maxt).unwrap();
        let mut out = Vec::new();
        let result = handle.decode_into(i64::MIN, i64::MAX, &mut out);
        if mint == maxt {
            // Equal bounds make a line of equal timestamps: wrong, but safe.
            assert!(result.is_ok() && out.iter().all(|s| s.t == mint));
        } else {
            assert!(result.is_err(), "{mint}..={maxt}");
        }
    }
    let (_, metas) = block.index().series(1).unwrap();
    for meta in metas {
        for (mint, maxt) in [(meta.mint + 1, meta.maxt + 1_000_000), (i64::MIN, i64::MAX)] {
            let handle = block.chunks.handle(meta.chunk_ref, mint, maxt).unwrap();
            let mut out = Vec::new();
            if handle.decode_into(i64::MIN, i64::MAX, &mut out).is_ok() {
                assert!(out.len() <= 120);
            }
        }
    }
}
