package cache

import (
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// summary is a 64-bit digest of an object's labels and name, kept in its index item, with
// which a scan rejects most non-matching objects without reading their strings (a cache
// miss each on a large shard). It can only prove a mismatch:
//
//   - bits 0-35 are a Bloom filter of the label keys and of the key=value pairs, two bits
//     each;
//   - bits 36-63 record the characters of the name: one bit per letter (ignoring case),
//     one for any digit, one for anything else. A name with a non-ASCII byte sets them
//     all, as case folding of non-ASCII runes can produce ASCII letters.
type summary uint64

const (
	labelBloomBits = 36
	nameBitsShift  = labelBloomBits
	nameBits       = 64 - labelBloomBits
	allNameBits    = summary(1<<nameBits-1) << nameBitsShift
)

// FNV-1a, inlined so that hashing a key and value needs no concatenation.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnv(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func bloomBits(h uint64) summary {
	return 1<<(h%labelBloomBits) | 1<<((h>>32)%labelBloomBits)
}

func labelKeyBits(key string) summary {
	return bloomBits(fnv(fnvOffset, key))
}

func labelPairBits(key, value string) summary {
	h := fnv(fnvOffset, key)
	h = (h ^ '=') * fnvPrime
	return bloomBits(fnv(h, value))
}

func nameCharBit(c byte) summary {
	var bit summary
	switch {
	case 'a' <= c && c <= 'z':
		bit = summary(c - 'a')
	case 'A' <= c && c <= 'Z':
		bit = summary(c - 'A')
	case '0' <= c && c <= '9':
		bit = 26
	default:
		bit = 27
	}
	return 1 << (nameBitsShift + bit)
}

// nameSummary returns the name bits of name. For a fuzzy pattern (lower case) it returns
// the bits every matching name has: those of the pattern's ASCII characters.
func nameSummary(name string, pattern bool) summary {
	var s summary
	for i := 0; i < len(name); i++ {
		if name[i] >= 0x80 {
			if pattern {
				continue
			}
			return allNameBits
		}
		s |= nameCharBit(name[i])
	}
	return s
}

// selectorSummary returns the label bits that every object matching sel has: the key of
// each requirement that needs the key present, and the pair of each that needs one value.
func selectorSummary(sel labels.Selector) summary {
	reqs, selectable := sel.Requirements()
	if !selectable {
		return 0
	}
	var s summary
	for _, r := range reqs {
		switch r.Operator() {
		case selection.Equals, selection.DoubleEquals, selection.In:
			s |= labelKeyBits(r.Key())
			if values := r.ValuesUnsorted(); len(values) == 1 {
				s |= labelPairBits(r.Key(), values[0])
			}
		case selection.Exists, selection.GreaterThan, selection.LessThan:
			s |= labelKeyBits(r.Key())
		}
	}
	return s
}
