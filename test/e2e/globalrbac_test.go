package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	searchv1alpha1 "github.com/fleetplane/fleetplane/pkg/apis/search/v1alpha1"
	"github.com/fleetplane/fleetplane/test/e2e/framework"
)

// grantGlobalView lets subject read through the global proxy and the search on
// the control plane. The aggregator authorizes a connect request with the verb of
// its HTTP method (get for GET, also for lists and watches below the path) on the
// resource proxying/proxy or search/{api,apis}: RBAC has no "search/*" wildcard.
func grantGlobalView(ctx context.Context, t *testing.T, c kubernetes.Interface, subject rbacv1.Subject) {
	t.Helper()
	name := framework.RandomName("e2e-globalview")
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"search.karmada.io"},
			Resources: []string{"proxying/proxy", "search/api", "search/apis"}, Verbs: []string{"get"}}},
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
		Subjects:   []rbacv1.Subject{subject},
	}
	createRBAC(ctx, t, c, role, binding)
}

// grantInNamespace lets user get, list and watch the resources in one namespace
// of a member.
func grantInNamespace(ctx context.Context, t *testing.T, c kubernetes.Interface, namespace, user string, resources ...string) {
	t.Helper()
	name := framework.RandomName("e2e-read")
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: resources, Verbs: []string{"get", "list", "watch"}}},
	}
	if _, err := c.RbacV1().Roles(namespace).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
	}
	if _, err := c.RbacV1().RoleBindings(namespace).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func userSubject(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}
}

// wantNothing checks that an answer shows the caller nothing: 403, or a list
// without items.
func wantNothing(ctx context.Context, t *testing.T, v *framework.View, what, path string, kv ...string) {
	t.Helper()
	r, err := v.Get(ctx, path, kv...)
	if err != nil {
		t.Fatal(err)
	}
	if r.Code == http.StatusForbidden {
		return
	}
	l, err := framework.DecodeList(r)
	if err != nil {
		t.Errorf("%s: want 403 or an empty list: %v", what, err)
		return
	}
	if len(l.Items) > 0 {
		t.Errorf("%s: want nothing, the caller sees %v", what, l.Keys())
	}
}

// TestGlobalViewRBAC checks what each caller sees through the global proxy and
// the search: the control plane decides who may use them at all, each member's
// RBAC what the caller sees of that member.
func TestGlobalViewRBAC(t *testing.T) {
	sb := framework.Load(t)
	ctx := t.Context()
	cp := sb.Client(t, framework.ControlPlane)
	m1, m2 := framework.Member1, framework.Member2
	members := map[string]kubernetes.Interface{}
	for _, m := range framework.Members {
		members[m] = sb.Client(t, m)
	}
	suffix := framework.RandomName("x")[2:]
	teamA, teamB := "team-a-"+suffix, "team-b-"+suffix
	label := "e2e-rbac=" + suffix
	for _, ns := range []string{teamA, teamB} {
		framework.CreateNamespaceOn(ctx, t, ns, members[m1], members[m2], members[framework.Member3])
		for _, m := range []string{m1, m2} {
			framework.WaitRootCA(ctx, t, members[m], ns)
			meta := metav1.ObjectMeta{Name: "cm-" + m, Namespace: ns, Labels: map[string]string{"e2e-rbac": suffix}}
			if _, err := members[m].CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: meta}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			meta.Name = "secret-" + m
			secret := &corev1.Secret{ObjectMeta: meta, StringData: map[string]string{"password": "hunter2"}}
			if _, err := members[m].CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	sb.CreateRegistry(ctx, t, newRegistry(framework.RandomName("e2e-rbac"),
		searchv1alpha1.ResourceSelector{APIVersion: "v1", Kind: "ConfigMap"},
		searchv1alpha1.ResourceSelector{APIVersion: "v1", Kind: "Secret"}))

	// alice: the global view on the control plane, proxy rights (so that the
	// members may impersonate her), and ConfigMaps of team-a on member1.
	alice := framework.RandomName("alice")
	aliceCfg := sb.UserConfig(t, alice)
	grantGlobalView(ctx, t, cp, userSubject(alice))
	grantProxy(ctx, t, cp, userSubject(alice), framework.Members...)
	grantInNamespace(ctx, t, members[m1], teamA, alice, "configmaps")
	// bob: the same, with ConfigMaps and Secrets of team-a on member1.
	bob := framework.RandomName("bob")
	bobCfg := sb.UserConfig(t, bob)
	grantGlobalView(ctx, t, cp, userSubject(bob))
	grantProxy(ctx, t, cp, userSubject(bob), framework.Members...)
	grantInNamespace(ctx, t, members[m1], teamA, bob, "configmaps", "secrets")
	// dave: the global view on the control plane and ConfigMaps of team-a on
	// member1, but no proxy rights: no member may impersonate him.
	dave := framework.RandomName("dave")
	daveCfg := sb.UserConfig(t, dave)
	grantGlobalView(ctx, t, cp, userSubject(dave))
	grantInNamespace(ctx, t, members[m1], teamA, dave, "configmaps")

	// Unified auth lets each member impersonate alice and bob asynchronously:
	// wait until every member answers as them with its own RBAC's refusal.
	for _, who := range []struct {
		name string
		cfg  *rest.Config
	}{{alice, aliceCfg}, {bob, bobCfg}} {
		for _, m := range framework.Members {
			if err := waitProxyStatus(ctx, t, who.cfg, m, 403, `User "`+who.name+`" cannot list resource "namespaces"`); err != nil {
				t.Fatalf("%s impersonated on %s: %v", who.name, m, err)
			}
		}
	}

	cmPath := func(ns string, name ...string) string {
		p := "/api/v1/namespaces/" + ns + "/configmaps"
		if len(name) > 0 {
			p += "/" + name[0]
		}
		return p
	}
	aliceSees := []string{m1 + "/" + teamA + "/cm-" + m1, m1 + "/" + teamA + "/kube-root-ca.crt"}

	t.Run("alice through the global proxy", func(t *testing.T) {
		gp := framework.GlobalProxy(t, aliceCfg)
		checkList(t, "team-a ConfigMaps", mustList(ctx, t, gp, cmPath(teamA)), aliceSees)
		checkList(t, "team-a ConfigMaps by label", mustList(ctx, t, gp, cmPath(teamA), "labelSelector", label), aliceSees[:1])
		r := wantCode(ctx, t, gp, framework.Request{Path: cmPath(teamA, "cm-"+m1)}, http.StatusOK)
		if o, err := framework.DecodeObject(r); err != nil || o.Cluster() != m1 {
			t.Errorf("get cm-member1: %+v, %v", o, err)
		}
		// A list over all namespaces shows the namespaces each member allows.
		checkList(t, "ConfigMaps of every namespace", mustList(ctx, t, gp, "/api/v1/configmaps"), aliceSees)
		checkList(t, "ConfigMaps of every namespace by label", mustList(ctx, t, gp, "/api/v1/configmaps", "labelSelector", label), aliceSees[:1])
		for _, c := range []struct{ what, path string }{
			{"team-b ConfigMaps", cmPath(teamB)},
			{"team-a Secrets", "/api/v1/namespaces/" + teamA + "/secrets"},
			// No namespace of member2 or member3 is alice's: every cluster forbids.
			{"ConfigMaps of every namespace of member2 and member3", "/api/v1/configmaps?clusters=member2,member3"},
			{"Secrets of every namespace", "/api/v1/secrets"},
		} {
			path, query, _ := strings.Cut(c.path, "?")
			q, _ := url.ParseQuery(query)
			wantCode(ctx, t, gp, framework.Request{Path: path, Query: q}, http.StatusForbidden)
		}
		if r, err := gp.Get(ctx, cmPath(teamA, "cm-"+m2)); err != nil || r.Code == http.StatusOK {
			t.Errorf("get of member2's team-a ConfigMap: %v, %v; want a refusal", r, err)
		}
		// Reads are granted with get; a write needs its own verb on the control plane.
		wantCode(ctx, t, gp, framework.Request{Method: http.MethodPatch, Path: cmPath(teamA, "cm-"+m1),
			ContentType: "application/merge-patch+json", Body: []byte(`{"data":{"x":"y"}}`)}, http.StatusForbidden, "proxying/proxy")
	})

	t.Run("alice pages through every namespace, each page within the limit", func(t *testing.T) {
		gp := framework.GlobalProxy(t, aliceCfg)
		_, items := walkPages(ctx, t, gp, "/api/v1/configmaps", 1)
		checkList(t, "pages of ConfigMaps of every namespace", &framework.List{Items: items}, aliceSees)
	})

	t.Run("alice's watch sees only member1's team-a", func(t *testing.T) {
		gp := framework.GlobalProxy(t, aliceCfg)
		l := mustList(ctx, t, gp, cmPath(teamA))
		events := openWatch(ctx, t, gp, cmPath(teamA), l.Metadata.ResourceVersion)
		for _, m := range []string{m2, m1} {
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "late", Namespace: teamA}}
			if _, err := members[m].CoreV1().ConfigMaps(teamA).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		ev := nextEvent(t, events, 30*time.Second)
		if ev.Type != "ADDED" || ev.Object.Key() != m1+"/"+teamA+"/late" {
			t.Fatalf("first event: %s %s, want ADDED of member1's late (member2's is not alice's to see)", ev.Type, ev.Object.Key())
		}
		for _, m := range []string{m1, m2} {
			if err := members[m].CoreV1().ConfigMaps(teamA).Delete(ctx, "late", metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("alice's watch over every namespace sees only what she may", func(t *testing.T) {
		gp := framework.GlobalProxy(t, aliceCfg)
		// The list and the watch over all namespaces fall back to the
		// namespaces each member lets alice read; the watch resumes from
		// the list's version.
		l := mustList(ctx, t, gp, "/api/v1/configmaps")
		events := openWatch(ctx, t, gp, "/api/v1/configmaps", l.Metadata.ResourceVersion)
		creates := []struct{ member, namespace string }{{m1, teamB}, {m2, teamA}, {m1, teamA}}
		for _, c := range creates {
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "late-all", Namespace: c.namespace}}
			if _, err := members[c.member].CoreV1().ConfigMaps(c.namespace).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		ev := nextEvent(t, events, 30*time.Second)
		if ev.Type != "ADDED" || ev.Object.Key() != m1+"/"+teamA+"/late-all" {
			t.Fatalf("first event: %s %s, want ADDED of member1's team-a late-all (the others are not alice's to see)", ev.Type, ev.Object.Key())
		}
		for _, c := range creates {
			if err := members[c.member].CoreV1().ConfigMaps(c.namespace).Delete(ctx, "late-all", metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		ev = nextEvent(t, events, 30*time.Second)
		if ev.Type != "DELETED" || ev.Object.Key() != m1+"/"+teamA+"/late-all" {
			t.Errorf("next event: %s %s, want DELETED of member1's team-a late-all", ev.Type, ev.Object.Key())
		}
	})

	t.Run("alice through the search", func(t *testing.T) {
		search := framework.Search(t, aliceCfg)
		// The deletes of the previous subtest reach the cache within seconds.
		waitSearch(ctx, t, search, searchFreshness, "alice's team-a ConfigMaps", cmPath(teamA), aliceSees)
		checkList(t, "ConfigMaps of every namespace", mustList(ctx, t, search, "/api/v1/configmaps"), aliceSees)
		checkList(t, "ConfigMaps of every namespace by label", mustList(ctx, t, search, "/api/v1/configmaps", "labelSelector", label), aliceSees[:1])
		checkList(t, "ConfigMaps of every namespace named cm-*", mustList(ctx, t, search, "/api/v1/configmaps", "name", "cm-*"), aliceSees[:1])
		checkList(t, "ConfigMaps of every namespace, fuzzy", mustList(ctx, t, search, "/api/v1/configmaps", "q", "cmmember"), aliceSees[:1])
		_, items := walkPages(ctx, t, search, "/api/v1/configmaps", 1)
		checkList(t, "pages of ConfigMaps of every namespace", &framework.List{Items: items}, aliceSees)

		wantNothing(ctx, t, search, "team-b ConfigMaps", cmPath(teamB))
		wantNothing(ctx, t, search, "member2's ConfigMaps", "/api/v1/configmaps", "clusters", m2)
		wantNothing(ctx, t, search, "team-a Secrets", "/api/v1/namespaces/"+teamA+"/secrets")
		wantNothing(ctx, t, search, "Secrets of every namespace", "/api/v1/secrets")
		wantNothing(ctx, t, search, "Secrets of every namespace named secret-*", "/api/v1/secrets", "name", "secret-*")
		if r, err := search.Get(ctx, cmPath(teamA, "cm-"+m2)); err != nil || r.Code == http.StatusOK {
			t.Errorf("get of member2's team-a ConfigMap: %v, %v; want a refusal", r, err)
		}
		if r, err := search.Get(ctx, cmPath(teamB, "cm-"+m1)); err != nil || r.Code == http.StatusOK {
			t.Errorf("get of member1's team-b ConfigMap: %v, %v; want a refusal", r, err)
		}
	})

	t.Run("bob sees team-a's Secrets of member1 only", func(t *testing.T) {
		bobSees := []string{m1 + "/" + teamA + "/secret-" + m1}
		search := framework.Search(t, bobCfg)
		checkList(t, "search: Secrets of every namespace", mustList(ctx, t, search, "/api/v1/secrets"), bobSees)
		checkList(t, "search: team-a Secrets", mustList(ctx, t, search, "/api/v1/namespaces/"+teamA+"/secrets"), bobSees)
		wantNothing(ctx, t, search, "search: team-b Secrets", "/api/v1/namespaces/"+teamB+"/secrets")
		gp := framework.GlobalProxy(t, bobCfg)
		checkList(t, "global proxy: team-a Secrets", mustList(ctx, t, gp, "/api/v1/namespaces/"+teamA+"/secrets"), bobSees)
		checkList(t, "global proxy: Secrets of every namespace", mustList(ctx, t, gp, "/api/v1/secrets"), bobSees)
		wantCode(ctx, t, gp, framework.Request{Path: "/api/v1/namespaces/" + teamB + "/secrets"}, http.StatusForbidden)
	})

	t.Run("a caller without the global view is refused by the control plane", func(t *testing.T) {
		carol := sb.UserConfig(t, framework.RandomName("carol"))
		wantCode(ctx, t, framework.GlobalProxy(t, carol), framework.Request{Path: cmPath(teamA)}, http.StatusForbidden, "proxying/proxy")
		wantCode(ctx, t, framework.Search(t, carol), framework.Request{Path: cmPath(teamA)}, http.StatusForbidden, "search/api")
		wantCode(ctx, t, framework.Search(t, carol), framework.Request{Path: "/apis/apps/v1/deployments"}, http.StatusForbidden, "search/apis")
		// Proxy rights on every cluster do not give the global view.
		erin := framework.RandomName("erin")
		grantProxy(ctx, t, cp, userSubject(erin), framework.Members...)
		grantInNamespace(ctx, t, members[m1], teamA, erin, "configmaps")
		erinCfg := sb.UserConfig(t, erin)
		wantCode(ctx, t, framework.GlobalProxy(t, erinCfg), framework.Request{Path: cmPath(teamA)}, http.StatusForbidden, "proxying/proxy")
		wantCode(ctx, t, framework.Search(t, erinCfg), framework.Request{Path: cmPath(teamA)}, http.StatusForbidden, "search/api")
	})

	t.Run("a caller without rights on resourceregistries is refused", func(t *testing.T) {
		carol := kubernetes.NewForConfigOrDie(sb.UserConfig(t, framework.RandomName("carol")))
		registries := carol.Discovery().RESTClient()
		const path = "/apis/search.karmada.io/v1alpha1/resourceregistries"
		for _, r := range []struct {
			verb string
			req  *rest.Request
		}{
			{"list", registries.Get().AbsPath(path)},
			{"get", registries.Get().AbsPath(path, "any")},
			{"create", registries.Post().AbsPath(path).SetHeader("Content-Type", "application/json").Body([]byte(
				`{"apiVersion":"search.karmada.io/v1alpha1","kind":"ResourceRegistry","metadata":{"name":"carols"},` +
					`"spec":{"targetCluster":{},"resourceSelectors":[{"apiVersion":"v1","kind":"Secret"}]}}`))},
			{"update status", registries.Put().AbsPath(path, "any", "status").SetHeader("Content-Type", "application/json").Body([]byte(
				`{"apiVersion":"search.karmada.io/v1alpha1","kind":"ResourceRegistry","metadata":{"name":"any"}}`))},
		} {
			err := r.req.Do(ctx).Error()
			if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "resourceregistries") {
				t.Errorf("%s resourceregistries as an unprivileged user: %v, want 403", r.verb, err)
			}
		}
	})

	t.Run("the search shows no more than the live proxy", func(t *testing.T) {
		// dave's member RBAC would let him read team-a's ConfigMaps on member1,
		// but no member may impersonate him: the live proxy shows him nothing,
		// and so must the cache.
		gp := framework.GlobalProxy(t, daveCfg)
		wantCode(ctx, t, gp, framework.Request{Path: cmPath(teamA)}, http.StatusForbidden, "cannot impersonate")
		wantCode(ctx, t, gp, framework.Request{Path: "/api/v1/configmaps"}, http.StatusForbidden)
		search := framework.Search(t, daveCfg)
		wantNothing(ctx, t, search, "search of team-a as dave", cmPath(teamA))
		wantNothing(ctx, t, search, "search of every namespace as dave", "/api/v1/configmaps")

		// frank may use the proxy of member1 only, and member1's and member2's
		// RBAC let him read team-a's ConfigMaps: he sees member1's, live and cached.
		frank := framework.RandomName("frank")
		frankCfg := sb.UserConfig(t, frank)
		grantGlobalView(ctx, t, cp, userSubject(frank))
		grantProxy(ctx, t, cp, userSubject(frank), m1)
		grantInNamespace(ctx, t, members[m1], teamA, frank, "configmaps")
		grantInNamespace(ctx, t, members[m2], teamA, frank, "configmaps")
		if err := waitProxyStatus(ctx, t, frankCfg, m1, 403, `User "`+frank+`" cannot list resource "namespaces"`); err != nil {
			t.Fatalf("frank impersonated on member1: %v", err)
		}
		checkList(t, "global proxy: team-a as frank", mustList(ctx, t, framework.GlobalProxy(t, frankCfg), cmPath(teamA)), aliceSees)
		checkList(t, "global proxy: every namespace as frank", mustList(ctx, t, framework.GlobalProxy(t, frankCfg), "/api/v1/configmaps"), aliceSees)
		search = framework.Search(t, frankCfg)
		checkList(t, "search: team-a as frank", mustList(ctx, t, search, cmPath(teamA)), aliceSees)
		checkList(t, "search: every namespace as frank", mustList(ctx, t, search, "/api/v1/configmaps"), aliceSees)
	})
}
