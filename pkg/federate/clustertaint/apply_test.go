package clustertaint

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestApply(t *testing.T) {
	now := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	earlier := metav1.NewTime(now.Add(-time.Hour))
	existing := []corev1.Taint{
		{Key: "a", Value: "1", Effect: corev1.TaintEffectNoSchedule},
		{Key: "a", Effect: corev1.TaintEffectNoExecute, TimeAdded: &earlier},
		{Key: "b", Value: "2", Effect: corev1.TaintEffectPreferNoSchedule},
	}
	tests := []struct {
		name       string
		args       []string
		overwrite  bool
		want       []corev1.Taint
		wantResult Result
		wantErr    string
		wantErrIs  error
	}{
		{
			name:       "adds a new taint at the end, stamping NoExecute",
			args:       []string{"c=3:NoExecute"},
			want:       append(existing[:3:3], corev1.Taint{Key: "c", Value: "3", Effect: corev1.TaintEffectNoExecute, TimeAdded: &now}),
			wantResult: Tainted,
		},
		{
			name:      "refuses to replace without overwrite",
			args:      []string{"a=9:NoSchedule", "b=2:PreferNoSchedule"},
			wantErr:   "the cluster already has a taint with the same key and effect: a:NoSchedule, b:PreferNoSchedule",
			wantErrIs: ErrTaintExists,
		},
		{
			name:       "replaces in place with overwrite",
			args:       []string{"a=9:NoSchedule"},
			overwrite:  true,
			want:       []corev1.Taint{{Key: "a", Value: "9", Effect: corev1.TaintEffectNoSchedule}, existing[1], existing[2]},
			wantResult: Modified,
		},
		{
			name:       "overwriting with the same value changes nothing",
			args:       []string{"b=2:PreferNoSchedule"},
			overwrite:  true,
			want:       existing,
			wantResult: Unchanged,
		},
		{
			name:       "removes by key and effect",
			args:       []string{"a:NoExecute-"},
			want:       []corev1.Taint{existing[0], existing[2]},
			wantResult: Untainted,
		},
		{
			name:       "removes every effect of a key",
			args:       []string{"a-"},
			want:       []corev1.Taint{existing[2]},
			wantResult: Untainted,
		},
		{
			name:       "adds and removes at once",
			args:       []string{"c:NoSchedule", "b-"},
			want:       []corev1.Taint{existing[0], existing[1], {Key: "c", Effect: corev1.TaintEffectNoSchedule}},
			wantResult: Modified,
		},
		{
			name:    "removing a missing taint fails",
			args:    []string{"b:NoSchedule-", "z-"},
			wantErr: "taint b:NoSchedule, z not found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, err := Parse(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			in := append([]corev1.Taint(nil), existing...)
			got, result, err := ch.Apply(in, tt.overwrite, now)
			if diff := cmp.Diff(existing, in); diff != "" {
				t.Errorf("Apply() changed its input (-want +got):\n%s", diff)
			}
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Apply() error = %v, want %q", err, tt.wantErr)
				}
				if tt.wantErrIs != nil && !errors.Is(err, tt.wantErrIs) {
					t.Errorf("Apply() error is not %v", tt.wantErrIs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Apply() taints (-want +got):\n%s", diff)
			}
			if result != tt.wantResult {
				t.Errorf("Apply() result = %q, want %q", result, tt.wantResult)
			}
		})
	}
}

func TestCordon(t *testing.T) {
	other := corev1.Taint{Key: "a", Effect: corev1.TaintEffectNoSchedule}
	notSchedulingOnly := corev1.Taint{Key: Unschedulable.Key, Effect: corev1.TaintEffectNoExecute}
	tests := []struct {
		name        string
		in          []corev1.Taint
		uncordon    bool
		want        []corev1.Taint
		wantChanged bool
	}{
		{name: "cordon adds the taint", in: []corev1.Taint{other}, want: []corev1.Taint{other, Unschedulable}, wantChanged: true},
		{name: "cordon twice", in: []corev1.Taint{Unschedulable}, want: []corev1.Taint{Unschedulable}},
		{name: "uncordon removes only the NoSchedule taint", in: []corev1.Taint{other, Unschedulable, notSchedulingOnly}, uncordon: true,
			want: []corev1.Taint{other, notSchedulingOnly}, wantChanged: true},
		{name: "uncordon twice", in: []corev1.Taint{other}, uncordon: true, want: []corev1.Taint{other}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edit := Cordon
			if tt.uncordon {
				edit = Uncordon
			}
			got, changed := edit(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("taints (-want +got):\n%s", diff)
			}
			if changed != tt.wantChanged {
				t.Errorf("changed = %v, want %v", changed, tt.wantChanged)
			}
		})
	}
}
