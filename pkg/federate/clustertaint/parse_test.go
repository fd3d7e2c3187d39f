package clustertaint

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    Change
		wantErr string
	}{
		{
			name: "adds with and without value",
			args: []string{"dedicated=gpu:NoSchedule", "example.com/spot:PreferNoSchedule"},
			want: Change{Add: []corev1.Taint{
				{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule},
				{Key: "example.com/spot", Effect: corev1.TaintEffectPreferNoSchedule},
			}},
		},
		{
			name: "removals by key and effect, by key, and with a value",
			args: []string{"a:NoExecute-", "b-", "c=v:NoSchedule-"},
			want: Change{Remove: []corev1.Taint{
				{Key: "a", Effect: corev1.TaintEffectNoExecute},
				{Key: "b"},
				{Key: "c", Effect: corev1.TaintEffectNoSchedule},
			}},
		},
		{
			name: "adds and removals together",
			args: []string{"a=1:NoSchedule", "b-"},
			want: Change{Add: []corev1.Taint{{Key: "a", Value: "1", Effect: corev1.TaintEffectNoSchedule}}, Remove: []corev1.Taint{{Key: "b"}}},
		},
		{name: "add without effect", args: []string{"a=1"},
			wantErr: `invalid taint "a=1": an effect (NoSchedule, PreferNoSchedule or NoExecute) is required, as in key=value:NoSchedule`},
		{name: "unknown effect", args: []string{"a=1:Sometimes"},
			wantErr: `invalid taint "a=1:Sometimes": unsupported effect "Sometimes" (want NoSchedule, PreferNoSchedule or NoExecute)`},
		{name: "bad key", args: []string{"bad key:NoSchedule"},
			wantErr: `invalid taint "bad key:NoSchedule": key "bad key": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`},
		{name: "bad value", args: []string{"a=b=c:NoSchedule"},
			wantErr: `invalid taint "a=b=c:NoSchedule": value "b=c": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`},
		{name: "too many colons", args: []string{"a:NoSchedule:x"},
			wantErr: `invalid taint "a:NoSchedule:x": unsupported effect "NoSchedule:x" (want NoSchedule, PreferNoSchedule or NoExecute)`},
		{name: "same key and effect twice", args: []string{"a=1:NoSchedule", "a=2:NoSchedule"},
			wantErr: "taint a:NoSchedule is given twice"},
		{name: "nothing", wantErr: "no taints given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.args)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Parse() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse() (-want +got):\n%s", diff)
			}
		})
	}
}
