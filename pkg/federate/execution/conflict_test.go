package execution

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/fleetplane/fleetplane/pkg/federate/naming"
)

func TestCheckConflict(t *testing.T) {
	deployment := func(labels, annotations map[string]string) *unstructured.Unstructured {
		obj := mustDecode(t, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"}}`)
		obj.SetLabels(labels)
		obj.SetAnnotations(annotations)
		return obj
	}
	ours := map[string]string{
		naming.ManagedByLabel: "true", naming.WorkNamespaceLabel: testWork.Namespace, naming.WorkNameLabel: testWork.Name,
	}
	otherWork := map[string]string{
		naming.ManagedByLabel: "true", naming.WorkNamespaceLabel: testWork.Namespace, naming.WorkNameLabel: "other",
	}
	want := deployment(ours, nil)
	wantOverwrite := deployment(ours, map[string]string{naming.ConflictResolutionAnnotation: naming.ConflictOverwrite})
	wantAbort := deployment(ours, map[string]string{naming.ConflictResolutionAnnotation: naming.ConflictAbort})

	tests := []struct {
		name     string
		existing *unstructured.Unstructured
		want     *unstructured.Unstructured
		wantErr  *ConflictError
		wantMsg  string
	}{
		{name: "nothing there", existing: nil, want: want},
		{name: "ours", existing: deployment(ours, nil), want: want},
		{name: "created by karmada for no work", existing: deployment(map[string]string{naming.ManagedByLabel: "true"}, nil), want: want},
		{
			name: "someone else's", existing: deployment(map[string]string{"app": "web"}, nil), want: want,
			wantErr: &ConflictError{Kind: "Deployment", Namespace: "shop", Name: "web", Cluster: "member1"},
			wantMsg: "Deployment shop/web already exists on member1 and is not managed by Karmada; set conflictResolution: Overwrite to adopt it",
		},
		{
			name: "someone else's, abort", existing: deployment(nil, nil), want: wantAbort,
			wantErr: &ConflictError{Kind: "Deployment", Namespace: "shop", Name: "web", Cluster: "member1"},
			wantMsg: "Deployment shop/web already exists on member1 and is not managed by Karmada; set conflictResolution: Overwrite to adopt it",
		},
		{name: "someone else's, overwrite", existing: deployment(nil, nil), want: wantOverwrite},
		{
			name: "another work's", existing: deployment(otherWork, nil), want: want,
			wantErr: &ConflictError{
				Kind: "Deployment", Namespace: "shop", Name: "web", Cluster: "member1",
				Owner: &types.NamespacedName{Namespace: testWork.Namespace, Name: "other"},
			},
			wantMsg: "Deployment shop/web already exists on member1 and is managed by Work karmada-es-member1/other; set conflictResolution: Overwrite to adopt it",
		},
		{name: "another work's, overwrite", existing: deployment(otherWork, nil), want: wantOverwrite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkConflict(tt.existing, tt.want, testWork, "member1")
			var got *ConflictError
			if err != nil && !errors.As(err, &got) {
				t.Fatalf("checkConflict() = %v, not a ConflictError", err)
			}
			if diff := cmp.Diff(tt.wantErr, got); diff != "" {
				t.Errorf("checkConflict() mismatch (-want +got):\n%s", diff)
			}
			if got != nil && got.Error() != tt.wantMsg {
				t.Errorf("message = %q, want %q", got.Error(), tt.wantMsg)
			}
		})
	}
}

func TestConflictErrorClusterScoped(t *testing.T) {
	err := &ConflictError{Kind: "Namespace", Name: "shop", Cluster: "member2"}
	want := "Namespace shop already exists on member2 and is not managed by Karmada; set conflictResolution: Overwrite to adopt it"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}
