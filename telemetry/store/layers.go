package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Layers imported over the API are kept as GeoJSON documents the store does
// not interpret (missions parses them): "layers" maps an id to a
// LayerRecord. The bucket is created on first use.
var bucketLayers = []byte("layers")

// LayerIDPrefix starts every stored layer's id, so that ids never collide
// with the layers a server is given at start (serve --layer: "layer-N").
const LayerIDPrefix = "stored-"

// LayerRecord is one stored GIS layer.
type LayerRecord struct {
	ID     string    `json:"id"`
	Name   string    `json:"name"`
	Kind   string    `json:"kind"`
	Author string    `json:"author"`
	Time   time.Time `json:"time"`
	// Data is the layer as a GeoJSON FeatureCollection.
	Data []byte `json:"data"`
}

// AddLayer stores a new layer under a fresh id (returned), refusing it when
// the store already holds max layers (max <= 0: no limit).
func (s *Store) AddLayer(l LayerRecord, max int) (string, error) {
	if l.Name == "" || len(l.Name) > 200 || len(l.Data) == 0 {
		return "", fmt.Errorf("%w: a layer needs a name of 1-200 bytes and data", ErrInvalid)
	}
	if l.Time.IsZero() {
		l.Time = time.Now()
	}
	err := s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketLayers)
		if err != nil {
			return err
		}
		if n := b.Stats().KeyN; max > 0 && n >= max {
			return fmt.Errorf("%w: the store already holds %d layers, the most it keeps; delete one first", ErrLimit, n)
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		l.ID = LayerIDPrefix + strconv.FormatUint(seq, 10)
		v, err := json.Marshal(l)
		if err != nil {
			return err
		}
		return b.Put(layerKey(seq), v)
	})
	return l.ID, err
}

// layerKey orders layers by creation: the id's number as u64 BE.
func layerKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

func layerKeyOf(id string) ([]byte, error) {
	n, err := strconv.ParseUint(id[min(len(id), len(LayerIDPrefix)):], 10, 64)
	if len(id) <= len(LayerIDPrefix) || id[:len(LayerIDPrefix)] != LayerIDPrefix || err != nil {
		return nil, fmt.Errorf("%w: layer %q (stored layers are %s1, %s2 …)", ErrNotFound, id, LayerIDPrefix, LayerIDPrefix)
	}
	return layerKey(n), nil
}

// Layers calls fn with every stored layer, oldest first; withData false
// leaves Data empty (for a list).
func (s *Store) Layers(withData bool, fn func(LayerRecord) bool) error {
	return s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLayers)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var l LayerRecord
			if err := json.Unmarshal(v, &l); err != nil {
				return fmt.Errorf("%w: layer %x: %v", ErrCorruptRecord, k, err)
			}
			if !withData {
				l.Data = nil
			}
			if !fn(l) {
				return nil
			}
		}
		return nil
	})
}

// RenameLayer changes a stored layer's name.
func (s *Store) RenameLayer(id, name string) error {
	if name == "" || len(name) > 200 {
		return fmt.Errorf("%w: a layer needs a name of 1-200 bytes", ErrInvalid)
	}
	k, err := layerKeyOf(id)
	if err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLayers)
		var v []byte
		if b != nil {
			v = b.Get(k)
		}
		if v == nil {
			return fmt.Errorf("%w: layer %q", ErrNotFound, id)
		}
		var l LayerRecord
		if err := json.Unmarshal(v, &l); err != nil {
			return fmt.Errorf("%w: layer %q: %v", ErrCorruptRecord, id, err)
		}
		l.Name = name
		if v, err = json.Marshal(l); err != nil {
			return err
		}
		return b.Put(k, v)
	})
}

// DeleteLayer removes a stored layer.
func (s *Store) DeleteLayer(id string) error {
	k, err := layerKeyOf(id)
	if err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLayers)
		if b == nil || b.Get(k) == nil {
			return fmt.Errorf("%w: layer %q", ErrNotFound, id)
		}
		return b.Delete(k)
	})
}
