package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

// backupCLI is what every backup subcommand needs to reach a node.
type backupCLI struct {
	addr  string
	token string // Authorization: Bearer <token> (user:password, or an API key)
	db    string
}

func newBackupCmd() *cobra.Command {
	o := &backupCLI{}
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Back up a collection to object storage, list, describe, restore into a new collection, delete",
		Long: `Talks to a running node's /v1/backup/ routes, which are admin routes: the
node must run with --admin-api, or with --auth and a --token of a user with
the admin role (root:<password>).

Backups live in the object store: on MinIO in the bucket under --backup-root
("backups"), beside every cluster's --minio-root, so another cluster on the
same bucket can restore them; on local storage under <data-dir>/objects/backups.`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&o.addr, "addr", "http://127.0.0.1:19530", "node base URL")
	pf.StringVar(&o.token, "token", os.Getenv("RAFTVEC_TOKEN"), "Authorization bearer token, e.g. root:Milvus (default $RAFTVEC_TOKEN)")
	pf.StringVar(&o.db, "db", "", "database of the collection (default: the default database)")
	create := &cobra.Command{
		Use:   "create <collection> <backup-name>",
		Short: "Flush the collection and copy it, each shard at one log index, under a new backup name",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var s backupSummary
			if err := o.call("create", map[string]any{"collectionName": args[0], "backupName": args[1]}, &s); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backup %s of %s: %d rows (%d segments, %d shards), %d objects, %s in %.1f s\n",
				s.Name, s.Collection, s.LiveRows, s.Segments, s.Shards, s.Objects, sizeText(s.Bytes), s.Seconds)
			return nil
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the complete backups",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var out []backupSummary
			if err := o.call("list", map[string]any{}, &out); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tDATABASE\tCOLLECTION\tCREATED\tROWS\tBYTES")
			for _, s := range out {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", s.Name, s.Database, s.Collection, s.CreatedAt.Format(time.RFC3339), s.LiveRows, sizeText(s.Bytes))
			}
			return tw.Flush()
		},
	}
	describe := &cobra.Command{
		Use:   "describe <backup-name>",
		Short: "Print a backup's manifest (JSON)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var m json.RawMessage
			if err := o.call("describe", map[string]any{"backupName": args[0]}, &m); err != nil {
				return err
			}
			var b bytes.Buffer
			if err := json.Indent(&b, m, "", "  "); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), b.String())
			return nil
		},
	}
	restore := &cobra.Command{
		Use:   "restore <backup-name> <new-collection>",
		Short: "Restore a backup into a collection that does not exist yet (--db: its database)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var s struct {
				Collection string  `json:"collectionName"`
				Segments   int     `json:"segments"`
				Rows       int64   `json:"rows"`
				Objects    int     `json:"objects"`
				Bytes      int64   `json:"bytes"`
				Seconds    float64 `json:"seconds"`
			}
			if err := o.call("restore", map[string]any{"backupName": args[0], "collectionName": args[1]}, &s); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored %s into %s: %d rows (%d segments), %d objects, %s in %.1f s\n",
				args[0], s.Collection, s.Rows, s.Segments, s.Objects, sizeText(s.Bytes), s.Seconds)
			return nil
		},
	}
	del := &cobra.Command{
		Use:   "delete <backup-name>",
		Short: "Delete a backup (or what a failed one left)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var s struct {
				Objects int   `json:"objects"`
				Bytes   int64 `json:"bytes"`
			}
			if err := o.call("delete", map[string]any{"backupName": args[0]}, &s); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted backup %s: %d objects, %s\n", args[0], s.Objects, sizeText(s.Bytes))
			return nil
		},
	}
	cmd.AddCommand(create, list, describe, restore, del)
	return cmd
}

// backupSummary is a backup as backup/create and backup/list report it.
type backupSummary struct {
	Name       string    `json:"backupName"`
	Database   string    `json:"dbName"`
	Collection string    `json:"collectionName"`
	CreatedAt  time.Time `json:"createdAt"`
	Shards     int       `json:"shardsNum"`
	Segments   int       `json:"segments"`
	LiveRows   int64     `json:"liveRows"`
	Objects    int       `json:"objects"`
	Bytes      int64     `json:"bytes"`
	Seconds    float64   `json:"seconds"`
}

// call posts to /v1/backup/<verb> and decodes the reply's data into out.
func (o *backupCLI) call(verb string, body map[string]any, out any) error {
	if o.db != "" {
		body["dbName"] = o.db
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, strings.TrimRight(o.addr, "/")+"/v1/backup/"+verb, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if o.token != "" {
		req.Header.Set("Authorization", "Bearer "+o.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("backup %s: %w (is a node running at --addr %s?)", verb, err, o.addr)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("backup %s: the node at %s has no /v1/backup/ routes (an older build?)", verb, o.addr)
	}
	data, err := envelopeData("backup "+verb, resp.StatusCode, raw)
	if err != nil {
		var ce *codeError
		if errors.As(err, &ce) && resp.StatusCode == http.StatusForbidden {
			return fmt.Errorf("%w (backup routes are admin routes: start the node with --admin-api, or, with --auth, give --token of a user with the admin role, e.g. root:<password>)", err)
		}
		return err
	}
	return json.Unmarshal(data, out)
}

// sizeText renders bytes for people.
func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
