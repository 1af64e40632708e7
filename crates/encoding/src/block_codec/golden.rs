//! Golden fixtures: bytes written by format version 1 for inputs that exercise every layout.
//! Whatever the encoder chooses later, these bytes must keep decoding to the same samples.

/// Deterministic pseudo-random numbers for building fixture inputs.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Named inputs: (name, timestamps, values).
fn fixture_inputs() -> Vec<(&'static str, Vec<i64>, Vec<f64>)> {
    let regular: Vec<i64> = (0..40).map(|i| 1_700_000_000_000 + i * 15_000).collect();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let jittered: Vec<i64> = (0..40)
        .map(|i| 1_700_000_000_000 + i * 15_000 + (xorshift(&mut state) % 4) as i64)
        .collect();
    let mut ticks = 12_345_600i64;
    let cpu: Vec<f64> = (0..40)
        .map(|_| {
            ticks += 150 + (xorshift(&mut state) % 60) as i64;
            ticks as f64 / 100.0
        })
        .collect();
    let long_regular: Vec<i64> = (0..200).map(|i| 1_700_000_000_000 + i * 15_000).collect();
    let mut quiet = 4_200i64;
    let sparse: Vec<f64> = (0..200)
        .map(|i| {
            quiet += if i % 23 == 4 { 1 + i % 3 } else { 0 };
            quiet as f64
        })
        .collect();
    let bell: Vec<f64> = (0..200)
        .map(|_| {
            let tenths: i64 = (0..4).map(|_| (xorshift(&mut state) % 40) as i64).sum();
            (tenths + 300) as f64 / 10.0
        })
        .collect();
    // Its own generator, so the inputs of the older fixtures stay what they were.
    let mut skewed_state = 0x2545_F491_4F6C_DD1Du64;
    let mut bytes_total = 987_654_321i64;
    let skewed_counter: Vec<f64> = (0..200)
        .map(|_| {
            let draw = xorshift(&mut skewed_state) % 1000;
            bytes_total += (draw * draw * draw / 1_000_000) as i64 * 512 + 7;
            bytes_total as f64
        })
        .collect();
    let mut sum = 1234.5678f64;
    let float_sum: Vec<f64> = (0..40)
        .map(|_| {
            sum += (xorshift(&mut state) % 1_000_000) as f64 * 1.37e-5;
            sum
        })
        .collect();
    let noise: Vec<f64> = (0..40)
        .map(|_| (xorshift(&mut state) >> 11) as f64 / (1u64 << 53) as f64 * 4e-4 - 2e-4)
        .collect();
    let mut specials: Vec<f64> = (0..40).map(|i| f64::from(i) * 0.25 + 3.0).collect();
    specials[3] = f64::from_bits(0x7ff0_0000_0000_0002);
    specials[20] = -0.0;
    specials[39] = f64::INFINITY;
    let pages: Vec<f64> = (0..40)
        .map(|_| (200_000 + xorshift(&mut state) % 3000) as f64 * 4096.0)
        .collect();
    vec![
        ("constant_decimal_regular", regular.clone(), vec![1.0; 40]),
        ("constant_nan_bits", regular.clone(), vec![f64::NAN; 40]),
        ("cpu_ticks_jittered", jittered, cpu),
        ("sparse_counter", long_regular.clone(), sparse),
        ("bell_gauge", long_regular.clone(), bell),
        ("skewed_counter", long_regular, skewed_counter),
        ("float_sum", regular.clone(), float_sum),
        ("noise_floats", regular.clone(), noise),
        ("decimal_with_specials", regular.clone(), specials),
        ("memory_pages", regular, pages),
        ("empty", Vec::new(), Vec::new()),
        (
            "single_stale",
            vec![-5],
            vec![f64::from_bits(0x7ff0_0000_0000_0002)],
        ),
    ]
}

/// Format version 1 bytes, as the encoder wrote them for `fixture_inputs()`.
const FIXTURE_BYTES: &[(&str, &str)] = &[
    ("constant_decimal_regular", "012880a0abfef962a8da230c0002"),
    (
        "constant_nan_bits",
        "012880a0abfef962a8da2300000000000000f87f",
    ),
    (
        "cpu_ticks_jittered",
        concat!(
            "012882a0abfef962a7da23050802010aed763e5d6b7c9da40d0209c886e30b06ac02720a3f52dee4",
            "e89c8b02e09ac9a77fc8956eb9586552d4590cf84e944a00",
        ),
    ),
    (
        "sparse_counter",
        "01c80180a0abfef962a898b601040081d0410900050660ce39e79c1301000202611802",
    ),
    (
        "bell_gauge",
        concat!(
            "01c80180a0abfef962a898b601040158f20585b5bc6eee4aba29540c95c8d60f4f3817abbf6c31f3",
            "e914ec88437f90e6087c34993838e1160098bedc5299e1970cff4486430983e4341700ee2646cd5e",
            "d0a75464ca91dcb9344cfd7abbeca20030925caad42c865e87be5826536ec9384993c26bc37a609a",
            "dbb132caacbe319a8214af033fdab522d5fb49a1fd72d727663fd5a846c2577a966d71fe527e7766",
            "fbb169225b3675ad76972abbc5a5e95de7b6d454ad32bbbda5bbcd01",
        ),
    ),
    (
        "skewed_counter",
        concat!(
            "01c80180a0abfef962a898b6010400ddf082a9ae0780040ec750d02bd77f8042350560891b478200",
            "0e280304419e22a0ec6518808121eb034800cd86fe50bb18315167c0d0036b03f0eb65dd63ef4a80",
            "aa37020a200260a14a1647b41e5d80ed0b00788788cc0770eb030090520b101d99045001060a381d",
            "3481cb74516c6490610043d6220c4fd98446920b004eb7c14642c941108d7c26c605f4fad4037909",
            "5b0468588f860700248913e32544048c0bc1a09d5d9dc7c2c61920100f3c0ebd01807fd85e0e624b",
            "e8082c2078663f7c0201331e1008233968845120e0dca164f046c07161e8c313047c0307cce44138",
            "2030fe1d049c73490e980888e0020a43c0b04312f881e7083214",
        ),
    ),
    (
        "float_sum",
        concat!(
            "012880a0abfef962a8da23080996e2d59498cbaf9381012ec4a0c19c83a30113a749dfead64967bb",
            "9dce9a3f1e55289c56094fe8d546410d8409205311c5e40d2ce735a49b0e781eb050104123641e9e",
            "ca5e9ddc67f052eb1887399c5472ade5ce4c703f2dae96e049ad8df1bcaf0d48f1587dbf91c58bcf",
            "aeec49611dc70f65e39ca7959d938bea364d4425313afeb04a161d9a0d8d2a2df30d3b42d21c19b1",
            "aa399184c0255b38277b5281eed65e885f56cd90070000000000340add806ab846b0164451986929",
            "6a7a26e4372adc97a8c25076e955a079af5a99689138769a163e27f06b240974c87f70f4275b089d",
            "c6ace513e0281ebc233a9af683702701",
        ),
    ),
    (
        "noise_floats",
        concat!(
            "012880a0abfef962a8da231040c41f8104099684a0e3025b9f4870a3640a8988a4e10d083490bfbb",
            "99c38620b65b4227f570c09933f926c24bc9deeeb03fed6e64d93b9b457c707c7fb30fd8a487af09",
            "93b925aec7fe5f8e09acea457daafc5a6e3dde3f25b663b5de7fdce80ee0e736acc79977d51fbacf",
            "cc291d81ed2db2b1832ce937d6fa920a4bb217d57866350c018de124fe33c29cbe32a2cb640bd190",
            "dea66dd33cdc0f03b6ff6ca3e0106893b8442cdb94c323d0d5b9377842e373b9e55c38d0f28ce669",
            "351fbba894e386c9dd50b94ede63f8ae2c40ae057fc2e9b41d9700000000000010e2106df1ae8253",
            "492bedadda578cb7cc1a737f4a9ea32dfb83f56a0e7e83ac80f8a74f7a24a3ad48819a6b4e5e96e3",
            "024dff614b06355a66ee885ee970e9de8025172d2533dd3c",
        ),
    ),
    (
        "decimal_with_specials",
        concat!(
            "012880a0abfef962a8da2304820303020000000000f07f10000000000000008012000000000000f0",
            "7f4dd804193200cbffbffcff2f",
        ),
    ),
    (
        "memory_pages",
        concat!(
            "012880a0abfef962a8da2304000c80200c8080d08d0605f54477c11382aa5ca8e08baa6523516159",
            "ea50761587aa4a246d84b02c743a55361243f90006c2f948ab0800c0a4af7b57974c7272e9817c54",
            "db8d",
        ),
    ),
    ("empty", "0100"),
    ("single_stale", "0101090000020000000000f07f"),
];

fn from_hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|index| u8::from_str_radix(&text[index..index + 2], 16).expect("hex fixture"))
        .collect()
}

#[test]
fn version_one_fixtures_still_decode_to_their_samples() {
    let inputs = fixture_inputs();
    assert_eq!(inputs.len(), FIXTURE_BYTES.len());
    for ((name, timestamps, values), (fixture_name, hex)) in inputs.iter().zip(FIXTURE_BYTES) {
        assert_eq!(name, fixture_name);
        let bytes = from_hex(hex);
        let (decoded_timestamps, decoded_values) =
            super::decode(&bytes).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(&decoded_timestamps, timestamps, "{name}");
        let bits = |values: &[f64]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&decoded_values), bits(values), "{name}");
    }
}

#[test]
fn the_encoder_never_does_worse_than_the_fixtures() {
    for ((name, timestamps, values), (_, hex)) in fixture_inputs().iter().zip(FIXTURE_BYTES) {
        let mut encoded = Vec::new();
        super::encode(timestamps, values, &mut encoded);
        assert!(
            encoded.len() <= hex.len() / 2,
            "{name}: {} bytes now, {} in the fixture",
            encoded.len(),
            hex.len() / 2
        );
    }
}

/// The bounded layout (chunk encoding 3) is the version 1 bytes with `uvarint(n)` in place of
/// the header: pinned by rewriting every fixture that way and decoding it with its bounds.
#[test]
fn fixtures_without_their_header_decode_in_the_bounded_layout() {
    use super::byte_io::{put_uvarint, uvarint_len, zigzag_encode};
    for (name, timestamps, values) in fixture_inputs() {
        let (_, hex) = FIXTURE_BYTES
            .iter()
            .find(|(fixture_name, _)| *fixture_name == name)
            .expect("fixture");
        let version_one = from_hex(hex);
        let header = super::peek_header(&version_one).expect("header");
        let mut header_len = 1 + uvarint_len(header.num_samples as u64);
        if header.num_samples > 0 {
            header_len += uvarint_len(zigzag_encode(header.min_time));
            header_len += uvarint_len(header.max_time.wrapping_sub(header.min_time) as u64);
        }
        let mut bounded = Vec::new();
        put_uvarint(&mut bounded, header.num_samples as u64);
        bounded.extend_from_slice(&version_one[header_len..]);
        let (decoded_timestamps, decoded_values) =
            super::decode_bounded(&bounded, header.min_time, header.max_time)
                .unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(decoded_timestamps, timestamps, "{name}");
        let bits = |values: &[f64]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&decoded_values), bits(&values), "{name}");
        let mut encoded = Vec::new();
        super::encode_bounded(&timestamps, &values, &mut encoded);
        assert!(encoded.len() <= bounded.len(), "{name}");
    }
}
