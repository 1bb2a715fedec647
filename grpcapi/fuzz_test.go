package grpcapi

import (
	"testing"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"github.com/milvus-io/milvus-proto/go-api/v2/schemapb"
	"google.golang.org/protobuf/proto"
)

// FuzzDecodeRequests feeds arbitrary bytes to the parsers of client
// payloads: columnar insert data, placeholder groups, serialized schemas.
// None may panic or allocate from a count the payload claims but does not
// hold; accepted data has at least one row, and num_rows rows when set.
func FuzzDecodeRequests(f *testing.F) {
	ins, _ := proto.Marshal(&milvuspb.InsertRequest{NumRows: 2, FieldsData: []*schemapb.FieldData{
		longs("id", nil, 1, 2), longs("n", []bool{true, false}, 5)}})
	f.Add(ins)
	ph, _ := proto.Marshal(&commonpb.PlaceholderGroup{Placeholders: []*commonpb.PlaceholderValue{
		{Tag: "$0", Type: commonpb.PlaceholderType_FloatVector, Values: [][]byte{{0, 0, 128, 63}}}}})
	f.Add(ph)
	sch, _ := proto.Marshal(&schemapb.CollectionSchema{Name: "c", Fields: []*schemapb.FieldSchema{
		{Name: "id", DataType: schemapb.DataType_Int64, IsPrimaryKey: true}}})
	f.Add(sch)
	f.Fuzz(func(t *testing.T, b []byte) {
		var r milvuspb.InsertRequest
		if proto.Unmarshal(b, &r) == nil {
			rows, err := decodeRows(r.GetFieldsData(), int(r.GetNumRows()))
			if err == nil && (len(rows) == 0 || (r.GetNumRows() > 0 && len(rows) != int(r.GetNumRows()))) {
				t.Fatalf("accepted %d rows for num_rows %d", len(rows), r.GetNumRows())
			}
		}
		_, _ = placeholders(b)
		_, _ = createRequest("c", b, 1, commonpb.ConsistencyLevel_Bounded)
	})
}
