package scheduler

import (
	"cmp"
	"math/big"
	"slices"
)

// share is one cluster's stake when replicas are divided or taken back.
type share struct {
	name   string
	weight int64
	// holds is true when the cluster already runs replicas; it wins ties.
	holds bool
}

// divide splits total in proportion to the weights, exactly: everyone gets the
// floor of their exact share, and the replicas left over go one each to the
// largest remainders, ties going to clusters that already hold replicas and
// then by name. The result, aligned with shares, sums to total unless every
// weight is zero, in which case it is all zeros.
func divide(total int64, shares []share) []int64 {
	out := make([]int64, len(shares))
	sum := new(big.Int)
	for _, s := range shares {
		sum.Add(sum, big.NewInt(max(s.weight, 0)))
	}
	if total <= 0 || sum.Sign() == 0 {
		return out
	}
	// Every remainder is a fraction of the same denominator (sum), so the
	// numerators compare directly.
	rems := make([]*big.Int, len(shares))
	left := total
	for i, s := range shares {
		num := new(big.Int).Mul(big.NewInt(total), big.NewInt(max(s.weight, 0)))
		q, r := new(big.Int).QuoRem(num, sum, new(big.Int))
		out[i], rems[i] = q.Int64(), r
		left -= out[i]
	}
	order := make([]int, len(shares))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := rems[b].Cmp(rems[a]); c != 0 {
			return c
		}
		if shares[a].holds != shares[b].holds {
			if shares[a].holds {
				return -1
			}
			return 1
		}
		return cmp.Compare(shares[a].name, shares[b].name)
	})
	for _, i := range order[:left] {
		out[i]++
	}
	return out
}

// takeBack removes total replicas from the current ones in proportion to the
// weights, never below zero: when a cluster's share exceeds what it holds, the
// rest is taken from the others in the next round. Clusters without weight only
// give replicas back once the weighted ones are empty. total must not exceed
// the sum of current. The result is the replicas left, aligned with shares.
func takeBack(total int64, current []int64, shares []share) []int64 {
	left := slices.Clone(current)
	for total > 0 {
		var active []int
		for i := range shares {
			if left[i] > 0 && shares[i].weight > 0 {
				active = append(active, i)
			}
		}
		useHeld := len(active) == 0
		if useHeld {
			for i := range shares {
				if left[i] > 0 {
					active = append(active, i)
				}
			}
		}
		if len(active) == 0 {
			return left
		}
		round := make([]share, len(active))
		for k, i := range active {
			round[k] = shares[i]
			round[k].holds = true
			if useHeld {
				round[k].weight = left[i]
			}
		}
		before := total
		for k, n := range divide(total, round) {
			i := active[k]
			n = min(n, left[i])
			left[i] -= n
			total -= n
		}
		if total == before {
			return left // cannot happen with positive weights; never spin
		}
	}
	return left
}
