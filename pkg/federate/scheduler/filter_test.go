package scheduler

import (
	"github.com/fleetplane/fleetplane/pkg/federate/clusteraffinity"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/policy/v1alpha1"
)

func TestFilter(t *testing.T) {
	tolerate := func(key, value string, effect corev1.TaintEffect) []corev1.Toleration {
		return []corev1.Toleration{{Key: key, Operator: corev1.TolerationOpEqual, Value: value, Effect: effect}}
	}
	tests := []struct {
		name        string
		cluster     *clusterv1alpha1.Cluster
		affinity    *policyv1alpha1.ClusterAffinity
		tolerations []corev1.Toleration
		apiVersion  string
		kind        string
		assigned    bool
		want        string
	}{
		{name: "fits", cluster: newCluster("a")},
		{
			name:     "affinity mismatch",
			cluster:  newCluster("a"),
			affinity: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"b"}},
			want:     "cluster(s) did not match the placement cluster affinity",
		},
		{
			name:    "untolerated NoSchedule taint",
			cluster: newCluster("a", withTaint("key", "value", corev1.TaintEffectNoSchedule)),
			want:    "cluster(s) had untolerated taint {key: value}",
		},
		{
			name:    "untolerated NoExecute taint",
			cluster: newCluster("a", withTaint("key", "value", corev1.TaintEffectNoExecute)),
			want:    "cluster(s) had untolerated taint {key: value}",
		},
		{
			name:    "PreferNoSchedule taint is ignored",
			cluster: newCluster("a", withTaint("key", "value", corev1.TaintEffectPreferNoSchedule)),
		},
		{
			name:        "tolerated taint",
			cluster:     newCluster("a", withTaint("key", "value", corev1.TaintEffectNoSchedule)),
			tolerations: tolerate("key", "value", corev1.TaintEffectNoSchedule),
		},
		{
			name:        "toleration with another value",
			cluster:     newCluster("a", withTaint("key", "value", corev1.TaintEffectNoSchedule)),
			tolerations: tolerate("key", "other", corev1.TaintEffectNoSchedule),
			want:        "cluster(s) had untolerated taint {key: value}",
		},
		{
			name:        "exists toleration with empty effect tolerates every effect",
			cluster:     newCluster("a", withTaint("key", "v", corev1.TaintEffectNoExecute)),
			tolerations: []corev1.Toleration{{Key: "key", Operator: corev1.TolerationOpExists}},
		},
		{
			name:        "first untolerated taint is reported",
			cluster:     newCluster("a", withTaint("ok", "1", corev1.TaintEffectNoSchedule), withTaint("bad", "", corev1.TaintEffectNoSchedule)),
			tolerations: tolerate("ok", "1", corev1.TaintEffectNoSchedule),
			want:        "cluster(s) had untolerated taint {bad: }",
		},
		{
			name:     "assigned cluster keeps the template despite a NoSchedule taint",
			cluster:  newCluster("a", withTaint(clusterv1alpha1.TaintClusterUnscheduler, "", corev1.TaintEffectNoSchedule)),
			assigned: true,
		},
		{
			name:     "assigned cluster loses the template to a NoExecute taint",
			cluster:  newCluster("a", withTaint(clusterv1alpha1.TaintClusterNotReady, "", corev1.TaintEffectNoExecute)),
			assigned: true,
			want:     "cluster(s) had untolerated taint {cluster.karmada.io/not-ready: }",
		},
		{
			name:        "assigned cluster with tolerated NoExecute taint",
			cluster:     newCluster("a", withTaint("key", "value", corev1.TaintEffectNoExecute)),
			tolerations: tolerate("key", "value", corev1.TaintEffectNoExecute),
			assigned:    true,
		},
		{
			name:    "API not served",
			cluster: newCluster("a"),
			kind:    "StatefulSet",
			want:    "cluster(s) did not have the API resource",
		},
		{
			name:       "kind served in another group version",
			cluster:    newCluster("a"),
			apiVersion: "apps/v1beta1",
			want:       "cluster(s) did not have the API resource",
		},
		{
			name:       "core group",
			cluster:    newCluster("a"),
			apiVersion: "v1",
			kind:       "ConfigMap",
		},
		{
			name:    "no API enablements reported",
			cluster: newCluster("a", withAPIs()),
			want:    "cluster(s) had api enablements unknown",
		},
		{
			name:     "partial discovery keeps an assigned cluster",
			cluster:  newCluster("a", withCondition(clusterv1alpha1.ClusterConditionCompleteAPIEnablements, metav1.ConditionFalse)),
			kind:     "StatefulSet",
			assigned: true,
		},
		{
			name:    "partial discovery does not admit a new cluster",
			cluster: newCluster("a", withCondition(clusterv1alpha1.ClusterConditionCompleteAPIEnablements, metav1.ConditionFalse)),
			kind:    "StatefulSet",
			want:    "cluster(s) did not have the API resource",
		},
		{
			name:    "not ready",
			cluster: newCluster("a", withCondition(clusterv1alpha1.ClusterConditionReady, metav1.ConditionFalse)),
			want:    "cluster(s) were not ready",
		},
		{
			name:    "ready unknown",
			cluster: newCluster("a", withCondition(clusterv1alpha1.ClusterConditionReady, metav1.ConditionUnknown)),
			want:    "cluster(s) were not ready",
		},
		{
			name: "no conditions yet",
			cluster: func() *clusterv1alpha1.Cluster {
				c := newCluster("a")
				c.Status.Conditions = nil
				return c
			}(),
			want: "cluster(s) were not ready",
		},
		{
			name:     "affinity is checked before taints",
			cluster:  newCluster("a", withTaint("key", "value", corev1.TaintEffectNoSchedule)),
			affinity: &policyv1alpha1.ClusterAffinity{ExcludeClusters: []string{"a"}},
			want:     "cluster(s) did not match the placement cluster affinity",
		},
		{
			name:    "taints are checked before APIs",
			cluster: newCluster("a", withTaint("key", "value", corev1.TaintEffectNoSchedule), withAPIs()),
			want:    "cluster(s) had untolerated taint {key: value}",
		},
		{
			name:    "APIs are checked before readiness",
			cluster: newCluster("a", withAPIs(), withCondition(clusterv1alpha1.ClusterConditionReady, metav1.ConditionFalse)),
			want:    "cluster(s) had api enablements unknown",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := clusteraffinity.New(tt.affinity)
			if err != nil {
				t.Fatal(err)
			}
			in := filterInput{
				tolerations: tt.tolerations,
				apiVersion:  "apps/v1",
				kind:        "Deployment",
				assigned:    map[string]bool{tt.cluster.Name: tt.assigned},
			}
			if tt.apiVersion != "" {
				in.apiVersion = tt.apiVersion
			}
			if tt.kind != "" {
				in.kind = tt.kind
			}
			if got := filter(tt.cluster, m, in); got != tt.want {
				t.Errorf("filter() = %q, want %q", got, tt.want)
			}
		})
	}
}
