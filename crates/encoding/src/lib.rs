//! Pure codecs of promlite: varints, bit streams, Gorilla XOR chunks, checksums, file footers.
