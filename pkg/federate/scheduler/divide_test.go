package scheduler

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDivide(t *testing.T) {
	tests := []struct {
		name   string
		total  int64
		shares []share
		want   []int64
	}{
		{
			name:   "1:2 on 9",
			total:  9,
			shares: []share{{name: "a", weight: 1}, {name: "b", weight: 2}},
			want:   []int64{3, 6},
		},
		{
			name:   "largest remainder first",
			total:  4,
			shares: []share{{name: "a", weight: 1}, {name: "b", weight: 2}},
			want:   []int64{1, 3},
		},
		{
			name:   "ties by name",
			total:  2,
			shares: []share{{name: "c", weight: 1}, {name: "b", weight: 1}, {name: "a", weight: 1}},
			want:   []int64{0, 1, 1},
		},
		{
			name:   "ties prefer clusters holding replicas",
			total:  2,
			shares: []share{{name: "a", weight: 1}, {name: "b", weight: 1}, {name: "c", weight: 1, holds: true}},
			want:   []int64{1, 0, 1},
		},
		{
			name:   "zero weight gets nothing",
			total:  5,
			shares: []share{{name: "a", weight: 0}, {name: "b", weight: 3}},
			want:   []int64{0, 5},
		},
		{
			name:   "all weights zero",
			total:  5,
			shares: []share{{name: "a"}, {name: "b"}},
			want:   []int64{0, 0},
		},
		{
			name:   "huge weights do not overflow",
			total:  math.MaxInt32,
			shares: []share{{name: "a", weight: math.MaxInt64}, {name: "b", weight: math.MaxInt64}},
			want:   []int64{1073741824, 1073741823},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, divide(tt.total, tt.shares)); diff != "" {
				t.Errorf("divide() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTakeBack(t *testing.T) {
	tests := []struct {
		name    string
		total   int64
		current []int64
		shares  []share
		want    []int64
	}{
		{
			name:    "in proportion to weights",
			total:   8,
			current: []int64{4, 8},
			shares:  []share{{name: "a", weight: 1}, {name: "b", weight: 2}},
			want:    []int64{1, 3},
		},
		{
			name:    "never below zero",
			total:   6,
			current: []int64{1, 9},
			shares:  []share{{name: "a", weight: 1}, {name: "b", weight: 1}},
			want:    []int64{0, 4},
		},
		{
			name:    "unweighted clusters give back last",
			total:   5,
			current: []int64{3, 3},
			shares:  []share{{name: "a", weight: 0}, {name: "b", weight: 1}},
			want:    []int64{1, 0},
		},
		{
			name:    "everything",
			total:   7,
			current: []int64{2, 5},
			shares:  []share{{name: "a", weight: 5}, {name: "b", weight: 1}},
			want:    []int64{0, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, takeBack(tt.total, tt.current, tt.shares)); diff != "" {
				t.Errorf("takeBack() (-want +got):\n%s", diff)
			}
		})
	}
}
